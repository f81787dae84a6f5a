using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Sos.Chaos;

/// <summary>
/// The end of the run, after the page cache was dropped and every server restarted: each
/// acknowledged object must be served by the download API with its bytes and first metadata
/// (a few tries, since a fetch that finds a bad copy may fail once while it is quarantined), and
/// must have at least the minimum of good copies on the blob servers' disks: the file's bytes
/// hash to the id, and the server's HEAD answers the first metadata.
/// </summary>
internal sealed class AuditRun(AuditSettings settings, Tally tally, ChaosClient client)
{
    private const int Attempts = 3;

    public async Task RunAsync(IReadOnlyList<ChaosObject> objects, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await Parallel.ForEachAsync(objects, new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken },
            async (target, token) => await AuditAsync(target, token));
        tally.Add("audit_ms", stopwatch.ElapsedMilliseconds);
    }

    private async Task AuditAsync(ChaosObject target, CancellationToken cancellationToken)
    {
        tally.Add("audited");
        var url = new Uri(settings.DownloadApi, $"fetch/{target.Id}");
        FetchResult served = FetchResult.Ok;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            served = await client.FetchAsync(url, target, null, publicFetch: true, token: null, cancellationToken);
            if (served.Status is FetchStatus.Ok or FetchStatus.Wrong)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
        }
        if (served.Status == FetchStatus.Wrong)
        {
            tally.Wrong("final_wrong", "final fetch", target.Id, "download", served.Problem!);
        }
        if (served.Status != FetchStatus.Ok && (served.Status != FetchStatus.Wrong || served.Problem!.Contains("body", StringComparison.Ordinal)))
        {
            tally.Add("lost");
            tally.Wrong("lost_detail", "final fetch", target.Id, "download", $"{served.Status}: {served.Problem}");
        }
        if (target.Size > 1)
        {
            var from = Random.Shared.NextInt64(target.Size - 1);
            var range = await client.FetchAsync(url, target, (from, Math.Min(target.Size - 1, from + 4096)), publicFetch: true, token: null, cancellationToken);
            if (range.Status == FetchStatus.Wrong)
            {
                tally.Wrong("final_wrong", $"final range {from}", target.Id, "download", range.Problem!);
            }
        }

        var good = 0;
        foreach (var server in settings.Servers)
        {
            var problem = await CopyProblemAsync(server, target, cancellationToken);
            switch (problem)
            {
                case null:
                    good++;
                    break;
                case "absent":
                    break;
                default:
                    tally.Add($"bad_copy.{server.Name}");
                    tally.Wrong("bad_copies", "copy on disk", target.Id, server.Name, problem);
                    break;
            }
        }
        tally.Add("copies_good", good);
        if (good < settings.MinCopies)
        {
            tally.Add("under_min_copies");
            tally.Wrong("under_min_copies_detail", "copies", target.Id, "disks", string.Create(CultureInfo.InvariantCulture, $"{good} good copies, fewer than {settings.MinCopies}"));
        }
    }

    private async Task<string?> CopyProblemAsync(BlobServerDisk server, ChaosObject target, CancellationToken cancellationToken)
    {
        var path = server.PathOf(target.Id);
        if (!File.Exists(path))
        {
            return "absent";
        }
        string onDisk;
        long length;
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, FileOptions.Asynchronous | FileOptions.SequentialScan);
            length = file.Length;
            // The object id is SHA-1 by the wire format; IncrementalHash names it without a security claim.
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await file.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha1.AppendData(buffer, 0, read);
            }
            onDisk = Convert.ToHexStringLower(sha1.GetHashAndReset());
        }
        catch (IOException ex)
        {
            return $"file unreadable: {ex.Message}";
        }
        if (onDisk != target.Id || length != target.Size)
        {
            return $"file of {length} bytes hashes to {onDisk}";
        }
        var headers = await client.CopyHeadersProblemAsync(server.Url, target, settings.Token, cancellationToken);
        return headers is null ? null : $"bytes good, but {headers}";
    }
}
