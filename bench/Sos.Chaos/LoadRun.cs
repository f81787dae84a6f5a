using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Sos.Chaos;

/// <summary>
/// The mixed load of the run: new uploads small and multi-MiB (with metadata), re-uploads of
/// acknowledged bytes with hostile metadata, whole and range fetches. Every answer about an
/// acknowledged object is checked; a wrong one is written down with what was expected.
/// </summary>
internal sealed class LoadRun(LoadSettings settings, Ledger ledger, Tally tally, ChaosClient client)
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
            var target = ledger.Count < 3 ? null : ledger.Pick(random);
            tally.Add("operations");
            var started = clock.ElapsedMilliseconds;
            string kind;
            if (target is null || roll < 0.35)
            {
                kind = "upload";
                await UploadNewAsync(random, cancellationToken);
            }
            else if (roll < 0.47)
            {
                kind = "reupload";
                await ReuploadHostileAsync(random, target, cancellationToken);
            }
            else if (roll < 0.77)
            {
                kind = "fetch";
                await FetchAsync("fetch_whole", target, null, cancellationToken);
            }
            else
            {
                kind = "fetch";
                var from = random.NextInt64(target.Size);
                var to = Math.Min(target.Size - 1, from + random.NextInt64(256 * 1024));
                await FetchAsync("fetch_range", target, (from, to), cancellationToken);
            }
            // Time per kind of operation: under faults a slow server shows here before anywhere else.
            var took = clock.ElapsedMilliseconds - started;
            tally.Add($"ms_{kind}", took);
            if (took > 20_000)
            {
                tally.Add($"slow_{kind}");
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"[chaos] {clock.Elapsed.TotalSeconds:F0}s: a {kind} of {target?.Id ?? "a new object"} took {took} ms"));
            }
            tally.Add($"n_{kind}");
        }
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
