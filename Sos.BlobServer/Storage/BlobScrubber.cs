using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The periodic scrub: re-hashes every copy on this server at a bounded rate and quarantines a
/// copy whose bytes no longer match its id, so that it is never served again and the replicator
/// (which no longer sees it listed) restores it from a healthy copy elsewhere.
/// </summary>
/// <remarks>
/// The rate is a budget in bytes per second over the whole scrub, not per object, so a scrub
/// never competes with uploads and downloads for more than that much disk bandwidth.
/// </remarks>
public sealed partial class BlobScrubber(BlobStore store, IOptions<BlobStoreOptions> options, ILogger<BlobScrubber> logger) : BackgroundService
{
    private const int BufferSize = 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.ScrubBytesPerSecond == 0)
        {
            LogScrubOff(logger);
            return;
        }
        // Let the server start answering before the first scrub takes its share of the disk.
        await Task.Delay(settings.ScrubStartDelay, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScrubAllAsync(settings.ScrubBytesPerSecond, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A server that runs for months outlives one failed scrub: the next starts afresh.
                LogScrubFailed(logger, ex);
            }
            await Task.Delay(settings.ScrubInterval, stoppingToken);
        }
    }

    /// <summary>One full scrub: every copy held, re-hashed. Returns what it found.</summary>
    public async Task<ScrubReport> ScrubAllAsync(long bytesPerSecond, CancellationToken cancellationToken)
    {
        using var activity = BlobServerTelemetry.Source.StartActivity("sos.scrub");
        var clock = Stopwatch.StartNew();
        var budget = new RateBudget(bytesPerSecond, clock);
        long objects = 0, bytes = 0, quarantined = 0;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            foreach (var id in store.List())
            {
                var verified = await VerifyAsync(id, buffer, budget, cancellationToken);
                if (verified is not { } result)
                {
                    continue; // removed or replaced while listed
                }
                objects++;
                bytes += result.Size;
                if (result.Id != id && await StillMismatchedAsync(id, buffer, cancellationToken) && store.Quarantine(id))
                {
                    quarantined++;
                    BlobServerTelemetry.ScrubQuarantined.Add(1);
                    LogMismatch(logger, id, result.Id);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        var report = new ScrubReport(objects, bytes, quarantined, clock.Elapsed);
        activity?.SetTag("sos.objects", objects);
        activity?.SetTag("sos.scrub.quarantined", quarantined);
        LogScrubbed(logger, report.Duration.TotalSeconds, objects, bytes, quarantined);
        return report;
    }

    /// <summary>
    /// A mismatch is read once more before anything is moved: a write may have swapped a fresh
    /// copy in (by rename) while the first read was going on, and a good copy must never be
    /// quarantined. The second read is not rate-limited; it is rare.
    /// </summary>
    private async Task<bool> StillMismatchedAsync(ObjectId id, byte[] buffer, CancellationToken cancellationToken) =>
        await VerifyAsync(id, buffer, budget: null, cancellationToken) is { } again && again.Id != id;

    private async Task<HashedContent?> VerifyAsync(ObjectId id, byte[] buffer, RateBudget? budget, CancellationToken cancellationToken)
    {
        Stream stream;
        try
        {
            if (store.Find(id) is not { } blob)
            {
                return null;
            }
            stream = blob.OpenRead();
        }
        catch (FileNotFoundException)
        {
            return null; // removed between the listing and the read
        }
        await using (stream)
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            long size = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0)
            {
                sha1.AppendData(buffer, 0, read);
                size += read;
                BlobServerTelemetry.ScrubBytesVerified.Add(read);
                if (budget is not null)
                {
                    await budget.SpendAsync(read, cancellationToken);
                }
            }
            Span<byte> digest = stackalloc byte[ObjectId.ByteLength];
            sha1.GetHashAndReset(digest);
            return new HashedContent(ObjectId.FromDigest(digest), size);
        }
    }

    /// <summary>Holds a scrub to its bytes per second: after each read, waits until the clock has caught up with the bytes read.</summary>
    private sealed class RateBudget(long bytesPerSecond, Stopwatch clock)
    {
        private long _spent;

        public Task SpendAsync(int bytes, CancellationToken cancellationToken)
        {
            _spent += bytes;
            var due = TimeSpan.FromSeconds((double)_spent / bytesPerSecond);
            var ahead = due - clock.Elapsed;
            return ahead > TimeSpan.FromMilliseconds(1) ? Task.Delay(ahead, cancellationToken) : Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub is off (BlobStore:ScrubBytesPerSecond = 0)")]
    private static partial void LogScrubOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub found {ObjectId} hashing to {ActualId}; the copy is quarantined")]
    private static partial void LogMismatch(ILogger logger, ObjectId objectId, ObjectId actualId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub done in {Seconds:0.0}s: {Objects} objects, {Bytes} bytes verified, {Quarantined} quarantined")]
    private static partial void LogScrubbed(ILogger logger, double seconds, long objects, long bytes, long quarantined);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub failed; the next one runs after the interval")]
    private static partial void LogScrubFailed(ILogger logger, Exception exception);
}

/// <summary>What one full scrub found.</summary>
public sealed record ScrubReport(long Objects, long Bytes, long Quarantined, TimeSpan Duration);
