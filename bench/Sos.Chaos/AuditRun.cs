using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Sos.Chaos;

/// <summary>
/// The end of the run, after the page cache was dropped and every server restarted: each
/// acknowledged object must be served by the download API with its bytes and first metadata
/// (a few tries, since a fetch that finds a bad copy may fail once while it is quarantined), and
/// must have at least the minimum of good copies on the blob servers' disks: the file's bytes
/// hash to the id, and the server's HEAD answers the first metadata. Each id whose last word was
/// an acknowledged delete must answer 404 and have no copy on any server's disk: a delete once
/// acknowledged is never undone.
/// </summary>
internal sealed class AuditRun(AuditSettings settings, Tally tally, ChaosClient client)
{
    private const int Attempts = 3;

    public async Task RunAsync(IReadOnlyList<ChaosObject> acknowledged, IReadOnlyList<DeleteRecord> deletes, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        // An unacknowledged delete, or a failed upload after one, may or may not have taken effect.
        var unknown = deletes.Where(record => record.Outcome != DeleteRecord.Deleted).Select(record => record.Id).ToHashSet(StringComparer.Ordinal);
        var lastUpload = acknowledged.GroupBy(target => target.Id, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.MaxBy(target => target.AckedAt)!, StringComparer.Ordinal);
        var lastDelete = deletes.Where(record => record.Outcome == DeleteRecord.Deleted)
            .GroupBy(record => record.Id, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Max(record => record.At), StringComparer.Ordinal);
        var live = lastUpload.Values.Where(target => !unknown.Contains(target.Id) && !(lastDelete.TryGetValue(target.Id, out var at) && at > target.AckedAt)).ToList();
        var deleted = lastDelete.Where(pair => !unknown.Contains(pair.Key) && !(lastUpload.TryGetValue(pair.Key, out var target) && target.AckedAt > pair.Value))
            .Select(pair => pair.Key).ToList();
        tally.Add("fate_unknown", unknown.Count);
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(live, options, async (target, token) => await AuditAsync(target, token));
        await Parallel.ForEachAsync(deleted, options, async (id, token) => await AuditDeletedAsync(id, token));
        tally.Add("audit_ms", stopwatch.ElapsedMilliseconds);
    }

    /// <summary>A deleted id: 404 from the download API (a few tries while it answers 5xx), and no copy on any disk.</summary>
    private async Task AuditDeletedAsync(string id, CancellationToken cancellationToken)
    {
        tally.Add("audited_deleted");
        var url = new Uri(settings.DownloadApi, $"fetch/{id}");
        System.Net.HttpStatusCode? status = null;
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            status = await client.StatusAsync(url, cancellationToken);
            if (status is not (null or >= System.Net.HttpStatusCode.InternalServerError))
            {
                break;
            }
            await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
        }
        var problems = new List<string>();
        if (status != System.Net.HttpStatusCode.NotFound)
        {
            problems.Add($"the download API answered {(status is { } code ? ((int)code).ToString(CultureInfo.InvariantCulture) : "nothing")}, not 404");
        }
        foreach (var server in settings.Servers)
        {
            if (File.Exists(server.PathOf(id)) || await client.StatusAsync(server.Url, id, settings.Token, cancellationToken) == System.Net.HttpStatusCode.OK)
            {
                problems.Add($"a copy on {server.Name}'s disk");
            }
        }
        if (problems.Count > 0)
        {
            tally.Add("deletes_undone");
            tally.Wrong("deletes_undone_detail", "acknowledged delete", id, "cluster", string.Join("; ", problems));
        }
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
            // Small copies live in the blob server's log, not in files of their own: the server's
            // answer is audited instead (bytes hashed, headers checked), as it reads them from its disk.
            var served = await client.FetchAsync(new Uri(server.Url, $"blob/{target.Id}"), target, null, publicFetch: false, settings.Token, cancellationToken);
            return served.Status switch
            {
                FetchStatus.Ok => null,
                FetchStatus.NotFound => "absent",
                _ => $"the blob server's answer: {served.Status} {served.Problem}",
            };
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
