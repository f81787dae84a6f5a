using System.Buffers.Binary;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The periodic scrub: re-hashes every copy on this server at a bounded rate and quarantines a
/// copy whose bytes no longer match its id, whose metadata fails its checksum, or that stays
/// unreadable after retries, so that it is never served, listed or counted again and the
/// replicator restores it from a healthy copy elsewhere. One bad copy never stops the scrub.
/// </summary>
/// <remarks>
/// The rate is a budget in bytes per second over the whole scrub, not per object, so a scrub
/// never competes with uploads and downloads for more than that much disk bandwidth. The scrub
/// records the last id it finished in <c>root/.scrub-checkpoint</c> (replaced atomically), so a
/// restart resumes where it stopped instead of starting over. Servers spread their start times
/// over the interval by their identity.
/// </remarks>
public sealed partial class BlobScrubber(BlobStore store, IOptions<BlobStoreOptions> options, ILogger<BlobScrubber> logger, TimeProvider? time = null)
    : BackgroundService
{
    internal const string CheckpointFile = ".scrub-checkpoint";
    private const int CheckpointEveryObjects = 1000;
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromSeconds(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private string CheckpointPath => Path.Combine(store.Root, CheckpointFile);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.ScrubBytesPerSecond == 0)
        {
            LogScrubOff(logger);
            return;
        }
        // Let the server start answering before the first scrub takes its share of the disk; a
        // scrub cut short by a restart resumes then, a new one waits for this server's turn.
        var wait = settings.ScrubStartDelay + (ReadCheckpoint() is null ? StartOffset(store.Identity, settings.ScrubInterval) : TimeSpan.Zero);
        await Task.Delay(wait, _time, stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ScrubAllAsync(settings.ScrubBytesPerSecond, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A server that runs for months outlives one failed scrub: the next resumes from the checkpoint.
                LogScrubFailed(logger, ex);
            }
            await Task.Delay(settings.ScrubInterval, _time, stoppingToken);
        }
    }

    /// <summary>Where in the interval a server's scrubs start: derived from its identity, so stable and spread.</summary>
    public static TimeSpan StartOffset(string identity, TimeSpan interval)
    {
        var seed = BinaryPrimitives.ReadUInt64BigEndian(Convert.FromHexString(identity.AsSpan(0, 16)));
        return interval.Ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)(seed % (ulong)interval.Ticks));
    }

    /// <summary>
    /// One full scrub, resumed after the checkpoint when there is one: every copy held after it,
    /// re-read and checked. Returns what this run found.
    /// </summary>
    public async Task<ScrubReport> ScrubAllAsync(long bytesPerSecond, CancellationToken cancellationToken)
    {
        using var activity = BlobServerTelemetry.Source.StartActivity("sos.scrub");
        var started = _time.GetTimestamp();
        var budget = new RateBudget(bytesPerSecond, _time);
        long objects = 0, bytes = 0, quarantined = 0;
        var resumeAfter = ReadCheckpoint();
        if (resumeAfter is { } resumed)
        {
            LogResumed(logger, resumed);
        }
        var lastSaved = _time.GetTimestamp();
        var sinceSaved = 0;
        foreach (var id in store.List(resumeAfter))
        {
            var check = await store.CheckAsync(id, budget.SpendAsync, cancellationToken);
            if (check.State != CopyState.Missing)
            {
                objects++;
                bytes += check.Size;
                BlobServerTelemetry.ScrubBytesVerified.Add(check.Size);
            }
            if (check.State == CopyState.Bad)
            {
                quarantined++;
                BlobServerTelemetry.ScrubQuarantined.Add(1);
                LogBadCopy(logger, id, check.Reason);
            }
            if (++sinceSaved >= CheckpointEveryObjects || _time.GetElapsedTime(lastSaved) >= CheckpointEvery)
            {
                WriteCheckpoint(id);
                sinceSaved = 0;
                lastSaved = _time.GetTimestamp();
            }
        }
        File.Delete(CheckpointPath); // done: the next scrub starts from the first id
        var report = new ScrubReport(objects, bytes, quarantined, _time.GetElapsedTime(started));
        activity?.SetTag("sos.objects", objects);
        activity?.SetTag("sos.scrub.quarantined", quarantined);
        LogScrubbed(logger, report.Duration.TotalSeconds, objects, bytes, quarantined);
        return report;
    }

    private ObjectId? ReadCheckpoint()
    {
        try
        {
            return ObjectId.TryParse(File.ReadAllText(CheckpointPath).Trim(), out var id) ? id : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Temp file and rename: a crash leaves the old checkpoint or the new one, never half of one. Not flushed: losing it only repeats work.</summary>
    private void WriteCheckpoint(ObjectId id)
    {
        var temp = CheckpointPath + ".new";
        File.WriteAllText(temp, id.ToString());
        File.Move(temp, CheckpointPath, overwrite: true);
    }

    /// <summary>Holds a scrub to its bytes per second: after each read, waits until the clock has caught up with the bytes read.</summary>
    private sealed class RateBudget(long bytesPerSecond, TimeProvider time)
    {
        private readonly long _started = time.GetTimestamp();
        private long _spent;

        public Task SpendAsync(int bytes, CancellationToken cancellationToken)
        {
            _spent += bytes;
            var due = TimeSpan.FromSeconds((double)_spent / bytesPerSecond);
            var ahead = due - time.GetElapsedTime(_started);
            return ahead > TimeSpan.FromMilliseconds(1) ? Task.Delay(ahead, time, cancellationToken) : Task.CompletedTask;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub is off (BlobStore:ScrubBytesPerSecond = 0)")]
    private static partial void LogScrubOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub resumes after {ObjectId}")]
    private static partial void LogResumed(ILogger logger, ObjectId objectId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub quarantined {ObjectId}: {Reason}")]
    private static partial void LogBadCopy(ILogger logger, ObjectId objectId, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scrub done in {Seconds:0.0}s: {Objects} objects, {Bytes} bytes verified, {Quarantined} quarantined")]
    private static partial void LogScrubbed(ILogger logger, double seconds, long objects, long bytes, long quarantined);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scrub failed; the next one runs after the interval")]
    private static partial void LogScrubFailed(ILogger logger, Exception exception);
}
