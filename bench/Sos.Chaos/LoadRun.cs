using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Sos.Chaos;

/// <summary>
/// The mixed load of the run: new uploads small and multi-MiB (with metadata), re-uploads of
/// acknowledged bytes with hostile metadata, whole and range fetches, deletes of acknowledged
/// objects and uploads of deleted ones again. Every answer about an acknowledged object is
/// checked; a wrong one is written down with what was expected. A delete takes only an object
/// no other operation has in hand, so no fetch expects what was just deleted.
/// </summary>
internal sealed class LoadRun(LoadSettings settings, Ledger ledger, DeleteLog deletes, Tally tally, ChaosClient client)
{
    private long _numbers;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var deadline = stopwatch.Elapsed + settings.Duration;
        var workers = Enumerable.Range(0, settings.Workers)
            .Select(worker => Task.Run(() => WorkAsync(new Random(settings.Seed * 1000 + worker), stopwatch, deadline, cancellationToken), cancellationToken))
            .ToArray();
        var all = Task.WhenAll(workers);
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"[chaos] {stopwatch.Elapsed.TotalSeconds:F0}s: {tally["operations"]} operations, {ledger.Count} acknowledged, {tally["wrong"]} wrong"));
        }
        await all;
        tally.Add("load_ms", stopwatch.ElapsedMilliseconds);
    }

    private async Task WorkAsync(Random random, Stopwatch clock, TimeSpan deadline, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < deadline && !cancellationToken.IsCancellationRequested)
        {
            var roll = random.NextDouble();
            tally.Add("operations");
            var started = clock.ElapsedMilliseconds;
            var kind = ledger.Count < 3 || roll < 0.35 ? "upload"
                : roll < 0.41 ? "delete"
                : roll < 0.43 ? "upload_deleted"
                : roll < 0.52 ? "reupload"
                : "fetch";
            switch (kind)
            {
                case "upload":
                    await UploadNewAsync(random, cancellationToken);
                    break;
                case "delete":
                    await DeleteAsync(random, cancellationToken);
                    break;
                case "upload_deleted":
                    await UploadDeletedAsync(random, cancellationToken);
                    break;
                default:
                    await UseAcknowledgedAsync(kind, roll, random, cancellationToken);
                    break;
            }
            // Time per kind of operation: under faults a slow server shows here before anywhere else.
            var took = clock.ElapsedMilliseconds - started;
            tally.Add($"ms_{kind}", took);
            if (took > 20_000)
            {
                tally.Add($"slow_{kind}");
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[chaos] {clock.Elapsed.TotalSeconds:F0}s: a {kind} took {took} ms"));
            }
            tally.Add($"n_{kind}");
        }
    }

    /// <summary>A hostile re-upload or a fetch of an acknowledged object, held out of the deletes' reach meanwhile.</summary>
    private async Task UseAcknowledgedAsync(string kind, double roll, Random random, CancellationToken cancellationToken)
    {
        if (ledger.Pick(random) is not { } target)
        {
            return;
        }
        try
        {
            if (kind == "reupload")
            {
                await ReuploadHostileAsync(random, target, cancellationToken);
            }
            else if (roll < 0.79)
            {
                await FetchAsync("fetch_whole", target, null, cancellationToken);
            }
            else
            {
                var from = random.NextInt64(target.Size);
                var to = Math.Min(target.Size - 1, from + random.NextInt64(256 * 1024));
                await FetchAsync("fetch_range", target, (from, to), cancellationToken);
            }
        }
        finally
        {
            ledger.Release(target);
        }
    }

    /// <summary>Deletes an acknowledged object. Only an acknowledged delete must stay; any other answer leaves the id's fate unknown.</summary>
    private async Task DeleteAsync(Random random, CancellationToken cancellationToken)
    {
        if (ledger.TakeIdle(random) is not { } target)
        {
            return;
        }
        tally.Add("deletes");
        var (status, error) = await client.DeleteAsync(settings.UploadApi, target.Id, cancellationToken);
        if (status == HttpStatusCode.OK)
        {
            tally.Add("deletes_acknowledged");
            deletes.Add(new DeleteRecord(target.Id, DateTimeOffset.UtcNow, DeleteRecord.Deleted), target);
            return;
        }
        tally.Add("deletes_failed");
        tally.Add($"delete_failed_{Describe(status, error)}");
        deletes.Add(new DeleteRecord(target.Id, DateTimeOffset.UtcNow, DeleteRecord.Unacknowledged), target);
    }

    /// <summary>Uploads a deleted object's bytes again, with new metadata: acknowledged, it is an object like any other.</summary>
    private async Task UploadDeletedAsync(Random random, CancellationToken cancellationToken)
    {
        if (deletes.TakeDeleted(random) is not { } gone)
        {
            return;
        }
        tally.Add("uploads_after_delete");
        var metadata = ChaosMetadata.Create(random, Interlocked.Increment(ref _numbers));
        var (status, answeredId, _) = await client.UploadAsync(settings.UploadApi, gone.Seed, gone.Size, metadata, cancellationToken);
        if (status == HttpStatusCode.OK && answeredId == gone.Id)
        {
            tally.Add("uploads_after_delete_acknowledged");
            ledger.Add(new ChaosObject(gone.Id, gone.Seed, gone.Size, metadata, DateTimeOffset.UtcNow) { BeforeDelete = gone });
            return;
        }
        if (status == HttpStatusCode.OK)
        {
            tally.Wrong("wrong", "upload after delete", gone.Id, "upload", $"acknowledged as '{answeredId}'");
        }
        // Copies of it may have been written: whether it is deleted at the end is no longer known.
        tally.Add("uploads_after_delete_failed");
        deletes.Add(new DeleteRecord(gone.Id, DateTimeOffset.UtcNow, DeleteRecord.ReuploadFailed), gone);
    }

    private async Task UploadNewAsync(Random random, CancellationToken cancellationToken)
    {
        var size = random.NextDouble() switch
        {
            < 0.6 => random.NextInt64(1, 64 * 1024),
            < 0.85 => random.NextInt64(64 * 1024, 1024 * 1024),
            _ => random.NextInt64(Math.Min(2 * 1024 * 1024, settings.MaxBigBytes - 1), settings.MaxBigBytes),
        };
        var seed = (ulong)random.NextInt64() ^ (ulong)Stopwatch.GetTimestamp();
        var metadata = ChaosMetadata.Create(random, Interlocked.Increment(ref _numbers));
        var id = SeededBytes.IdOf(seed, size);
        tally.Add("uploads");
        tally.Add(size >= 2 * 1024 * 1024 ? "uploads_multi_mib" : "uploads_small");
        var (status, answeredId, error) = await client.UploadAsync(settings.UploadApi, seed, size, metadata, cancellationToken);
        if (status != HttpStatusCode.OK)
        {
            tally.Add($"upload_failed_{Describe(status, error)}");
            tally.Add("uploads_failed");
            return;
        }
        if (answeredId != id)
        {
            tally.Wrong("wrong", "upload", id, "upload", $"acknowledged as '{answeredId}'");
            return;
        }
        ledger.Add(new ChaosObject(id, seed, size, metadata, DateTimeOffset.UtcNow));
        tally.Add("acknowledged");
    }

    private async Task ReuploadHostileAsync(Random random, ChaosObject target, CancellationToken cancellationToken)
    {
        var hostile = HostileHeader.All.OrderBy(_ => random.Next()).Take(random.Next(1, 4)).ToList();
        tally.Add("hostile_reuploads");
        foreach (var header in hostile)
        {
            tally.Add($"hostile_sent_{header.Kind}");
        }
        var (status, answeredId, error) = await client.UploadAsync(
            settings.UploadApi, target.Seed, target.Size, hostile.Select(h => KeyValuePair.Create(h.Name, h.Value)), cancellationToken);
        switch (status)
        {
            case HttpStatusCode.BadRequest:
                tally.Add("hostile_refused");
                return;
            case HttpStatusCode.OK when answeredId == target.Id:
                tally.Add("hostile_accepted");
                // Accepted: it must have changed nothing, so look at once, not only when a later fetch happens by.
                await FetchAsync("fetch_after_hostile", target, null, cancellationToken);
                return;
            case HttpStatusCode.OK:
                tally.Wrong("wrong", "hostile re-upload", target.Id, "upload", $"acknowledged as '{answeredId}'");
                return;
            default:
                tally.Add("hostile_failed");
                tally.Add($"hostile_failed_{Describe(status, error)}");
                return;
        }
    }

    private async Task FetchAsync(string operation, ChaosObject target, (long From, long To)? range, CancellationToken cancellationToken)
    {
        tally.Add(operation);
        var result = await client.FetchAsync(new Uri(settings.DownloadApi, $"fetch/{target.Id}"), target, range, publicFetch: true, token: null, cancellationToken);
        tally.Add($"fetch_{result.Status.ToString().ToLowerInvariant()}");
        if (result.Status == FetchStatus.Wrong)
        {
            tally.Wrong("wrong", range is null ? operation : $"{operation} {range.Value.From}-{range.Value.To}", target.Id, "download", result.Problem!);
        }
        else if (result.Status is FetchStatus.Unexpected or FetchStatus.Unavailable)
        {
            tally.Add($"fetch_{result.Status.ToString().ToLowerInvariant()}_{result.Problem}");
        }
    }

    private static string Describe(HttpStatusCode? status, string? error) =>
        status is { } code ? ((int)code).ToString(CultureInfo.InvariantCulture) : error ?? "error";
}
