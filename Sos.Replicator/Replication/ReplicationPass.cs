using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// One replication pass: list every blob server, plan with <see cref="ReplicationPlanner"/>, and
/// stream each missing copy from a holder to the server that should hold it. A failing server or
/// object never stops the pass: it is logged, counted, and shows in the report.
/// </summary>
internal sealed partial class ReplicationPass(
    BlobServerClient blobServers, BlobCluster cluster, ReplicationSettings settings, ILogger<ReplicationPass> logger)
{
    public async Task<ReplicationReport> RunAsync(CancellationToken cancellationToken)
    {
        using var activity = ReplicatorTelemetry.Source.StartActivity("sos.replicate.pass");
        activity?.SetTag("sos.dry_run", settings.DryRun);
        var started = Stopwatch.GetTimestamp();
        var planner = new ReplicationPlanner(cluster.Servers, cluster.MinCopies, settings.Rebalance);
        if (planner.TooFewServers)
        {
            LogTooFewServers(logger, planner.Servers.Count, planner.MinCopies);
        }

        var tally = new Tally();
        using var progress = settings.ShowProgress ? new CancellationTokenSource() : null;
        var progressTask = progress is null ? Task.CompletedTask : ShowProgressAsync(tally, progress.Token);
        try
        {
            var plan = PlanAsync(planner, tally, cancellationToken);
            if (settings.DryRun)
            {
                await foreach (var item in plan)
                {
                    ReportPlan(item, tally);
                }
            }
            else
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken };
                await Parallel.ForEachAsync(plan, options, (item, ct) => new ValueTask(RepairAsync(item, tally, ct)));
            }
        }
        finally
        {
            if (progress is not null)
            {
                await progress.CancelAsync();
                await progressTask;
            }
        }

        var underAfter = settings.DryRun ? tally.UnderBefore : tally.StillUnder;
        var duration = Stopwatch.GetElapsedTime(started);
        var report = new ReplicationReport(
            settings.DryRun, planner.Servers.Count, ReplicationPlanner.CountServers(tally.Unlisted), planner.MinCopies, tally.Objects,
            tally.UnderBefore, tally.Misplaced, tally.Copies, tally.Bytes, tally.Removed, tally.Failures, underAfter, duration);
        ReplicatorTelemetry.UnderReplicated.Record(underAfter);
        ReplicatorTelemetry.PassDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("sos.dry_run", settings.DryRun));
        activity?.SetTag("sos.objects", report.Objects);
        activity?.SetTag("sos.under_replicated.before", report.UnderReplicatedBefore);
        activity?.SetTag("sos.under_replicated.after", underAfter);
        activity?.SetTag("sos.copies", report.Copies);
        if (report.Failures > 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, $"{report.Failures} failures");
        }
        LogReport(report);
        return report;
    }

    /// <summary>
    /// The census and the plan as one stream: each object as the merged listings reach it, and
    /// what it needs. Nothing per object outlives its turn, so memory stays at a page per server
    /// plus the objects being repaired, whatever the size of the store.
    /// </summary>
    private async IAsyncEnumerable<ObjectRepair> PlanAsync(ReplicationPlanner planner, Tally tally, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var listings = planner.Servers.Select(server => ListServerAsync(server, cancellationToken)).ToList();
        var census = ListingMerge.MergeAsync(listings, (index, error) =>
        {
            // What it did list stays counted (those copies exist); the pass goes on without the rest.
            tally.Unlist(ReplicationPlanner.Bit(index));
            tally.Failed("list");
            LogListFailed(logger, planner.Servers[index], Describe(error));
        }, cancellationToken);
        await foreach (var listed in census)
        {
            tally.Listed();
            if (planner.Decide(listed.Id, listed.Holders, tally.Unlisted) is not { } item)
            {
                continue;
            }
            if (item.UnderReplicated)
            {
                tally.FoundUnderReplicated();
            }
            else if (item.CopiesNeeded > 0)
            {
                tally.FoundMisplaced();
            }
            yield return item;
        }
    }

    /// <summary>
    /// One server's ids, page by page. A page that fails after the client's quick retries is
    /// asked again after longer waits before the server is given up for this pass.
    /// </summary>
    private async IAsyncEnumerable<ObjectId> ListServerAsync(BlobServer server, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectId? after = null;
        var listed = 0L;
        while (true)
        {
            IReadOnlyList<ObjectId> page;
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    page = await blobServers.ListPageAsync(server, after, settings.ListPageSize, cancellationToken);
                    break;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && attempt < settings.ListRetryDelays.Count)
                {
                    LogListRetry(logger, server, listed, settings.ListRetryDelays[attempt].TotalSeconds, Describe(ex));
                    await Task.Delay(settings.ListRetryDelays[attempt], cancellationToken);
                }
            }
            foreach (var id in page)
            {
                yield return id;
            }
            listed += page.Count;
            if (page.Count < settings.ListPageSize)
            {
                LogListed(logger, server, listed);
                yield break;
            }
            after = page[^1];
        }
    }

    /// <summary>The dry run: say what would be copied and removed, change nothing.</summary>
    private void ReportPlan(ObjectRepair item, Tally tally)
    {
        var targets = item.Targets.Take(item.CopiesNeeded).Select(target => target.Name).ToArray();
        tally.WouldCopy(targets.Length);
        tally.WouldRemove(item.Handoffs.Count);
        // Saying this is the dry run's purpose: the lines are built whatever the log level.
        if (item.CopiesNeeded > 0)
        {
            var targetNames = targets.Length > 0 ? string.Join(", ", targets) : "nowhere (no server left to take a copy)";
            LogWouldCopy(logger, item.Id, item.Holders[0], targetNames);
        }
        if (item.Handoffs.Count > 0)
        {
            var handoffNames = string.Join(", ", item.Handoffs);
            LogWouldRemove(logger, item.Id, handoffNames);
        }
    }

    /// <summary>Brings one object to its minimum and its preferred servers if it can; then, rebalancing, removes its handoff copies.</summary>
    private async Task RepairAsync(ObjectRepair item, Tally tally, CancellationToken cancellationToken)
    {
        var written = 0;
        if (item.CopiesNeeded > 0)
        {
            FanOutResult result;
            try
            {
                // The fan-out keeps the needed copies in flight over the targets in rendezvous order and
                // hands a failed copy to the next target, as an upload does.
                result = await ReplicaFanOut.WriteAsync(
                    item.Targets, item.CopiesNeeded, (target, ct) => CopyAsync(item, target, tally, ct), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                tally.Failed("object");
                LogRepairFailed(logger, item.Id, ex);
                if (item.UnderReplicated)
                {
                    tally.StillUnderReplicated();
                }
                return;
            }
            // The fan-out reports copies cut short by cancellation as failures; a stopping pass is not a failing one.
            cancellationToken.ThrowIfCancellationRequested();

            foreach (var (target, error) in result.Failures)
            {
                tally.Failed("copy");
                LogCopyFailed(logger, item.Id, target, Describe(error));
            }
            written = result.Written.Count;
            if (item.UnderReplicated && item.Holders.Count + written < cluster.MinCopies)
            {
                LogStillUnderReplicated(logger, item.Id, item.Holders.Count + written, cluster.MinCopies);
                tally.StillUnderReplicated();
            }
        }
        if (item.Handoffs.Count > 0)
        {
            await RemoveHandoffCopiesAsync(item, tally, cancellationToken);
        }
    }

    /// <summary>
    /// Removes the copies on handoff servers, but only once every preferred server answers for a
    /// copy of the right length: a copy is never removed on the strength of one that is not there.
    /// The bytes of those copies were checked against the id when they were written, and are
    /// re-checked by each server's scrub.
    /// </summary>
    private async Task RemoveHandoffCopiesAsync(ObjectRepair item, Tally tally, CancellationToken cancellationToken)
    {
        long? length = null;
        foreach (var server in item.Preferred)
        {
            try
            {
                using var copy = await blobServers.OpenAsync(server, item.Id, headersOnly: true, cancellationToken);
                if (copy?.Length is not { } copyLength || (length is not null && length != copyLength))
                {
                    LogRebalanceSkipped(logger, item.Id, server);
                    return;
                }
                length = copyLength;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                tally.Failed("verify");
                LogRebalanceSkipped(logger, item.Id, server, Describe(ex));
                return;
            }
        }
        foreach (var server in item.Handoffs)
        {
            try
            {
                if (await blobServers.DeleteAsync(server, item.Id, cancellationToken))
                {
                    tally.RemovedCopy(server);
                    LogRemoved(logger, item.Id, server);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                tally.Failed("remove");
                LogRemoveFailed(logger, item.Id, server, Describe(ex));
            }
        }
    }

    /// <summary>Logs where a long pass stands, every few seconds, until cancelled.</summary>
    private async Task ShowProgressAsync(Tally tally, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.ProgressInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                LogProgress(logger, tally.Objects, tally.UnderBefore, tally.Misplaced, tally.Copies, tally.Bytes, tally.Failures);
            }
        }
        catch (OperationCanceledException)
        {
            // The pass is over; its summary follows.
        }
    }

    private async Task CopyAsync(ObjectRepair item, BlobServer target, Tally tally, CancellationToken cancellationToken)
    {
        using var activity = ReplicatorTelemetry.Source.StartActivity("sos.replicate.copy");
        activity?.SetTag("sos.object.id", item.Id.ToString());
        activity?.SetTag("sos.target", target.Name);
        try
        {
            // A response body can be read once, so every copy reads the object anew from a holder.
            using var source = await OpenSourceAsync(item, cancellationToken);
            activity?.SetTag("sos.source", source.Server.Name);
            var length = source.Length
                ?? throw new InvalidOperationException($"{source.Server} sent {item.Id} without a Content-Length.");
            await using var content = await source.ReadAsync(cancellationToken);
            // The target hashes what it receives and refuses bytes that do not match the id, so a
            // copy read from a damaged holder cannot spread.
            await blobServers.StoreAsync(target, item.Id, content, length, source.Metadata, cancellationToken);
            tally.Copied(target, length);
            LogCopied(logger, item.Id, source.Server, target, length);
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>Opens the object on its first readable holder, in rendezvous order.</summary>
    private async Task<BlobResponse> OpenSourceAsync(ObjectRepair item, CancellationToken cancellationToken)
    {
        foreach (var holder in item.Holders)
        {
            try
            {
                var blob = await blobServers.OpenAsync(holder, item.Id, headersOnly: false, cancellationToken);
                if (blob is not null)
                {
                    return blob;
                }
                // Listed earlier in this pass, gone now: quarantined by a scrub, or removed by hand.
                LogSourceMissing(logger, item.Id, holder);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogSourceFailed(logger, item.Id, holder, Describe(ex));
            }
        }
        throw new InvalidOperationException($"No holder of {item.Id} could be read ({string.Join(", ", item.Holders)}).");
    }

    /// <summary>
    /// An expected failure (a server down, refusing, timing out) in one line, without a stack
    /// trace: the outer message of an HTTP failure says little ("An error occurred while sending
    /// the request"), the inner ones say what happened.
    /// </summary>
    private static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message.TrimEnd('.'));
        }
        return string.Join(": ", messages.Distinct());
    }

    private void LogReport(ReplicationReport report)
    {
        if (report.DryRun)
        {
            LogDryRunSummary(logger, report.Duration.TotalSeconds, report.Objects, report.Servers, report.UnderReplicatedBefore,
                report.MinCopies, report.Misplaced, report.Copies, report.Removed, report.Failures);
        }
        else
        {
            LogPassSummary(logger, report.Duration.TotalSeconds, report.Objects, report.Servers, report.UnderReplicatedBefore,
                report.MinCopies, report.Misplaced, report.Copies, report.Bytes, report.Removed, report.Failures, report.UnderReplicatedAfter);
        }
        if (report.UnlistedServers > 0)
        {
            LogUnlistedServers(logger, report.UnlistedServers, report.Servers);
        }
    }

    /// <summary>
    /// The pass's counts. The census fields are written by the single reader of the plan (the
    /// parallel loop takes items one at a time); the repair fields by copies running in parallel.
    /// </summary>
    private sealed class Tally
    {
        private long _objects;
        private long _underBefore;
        private long _misplaced;
        private long _stillUnder;
        private long _copies;
        private long _bytes;
        private long _removed;
        private long _failures;
        private ulong _unlisted;

        public long Objects => Interlocked.Read(ref _objects);

        public long UnderBefore => Interlocked.Read(ref _underBefore);

        public long Misplaced => Interlocked.Read(ref _misplaced);

        public long StillUnder => Interlocked.Read(ref _stillUnder);

        public long Copies => Interlocked.Read(ref _copies);

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Removed => Interlocked.Read(ref _removed);

        public long Failures => Interlocked.Read(ref _failures);

        /// <summary>Servers whose listing failed so far.</summary>
        public ulong Unlisted => Interlocked.Read(ref _unlisted);

        public void Listed()
        {
            Interlocked.Increment(ref _objects);
            ReplicatorTelemetry.ObjectsScanned.Add(1);
        }

        public void Unlist(ulong server) => Interlocked.Or(ref _unlisted, server);

        public void FoundUnderReplicated() => Interlocked.Increment(ref _underBefore);

        public void FoundMisplaced() => Interlocked.Increment(ref _misplaced);

        public void StillUnderReplicated() => Interlocked.Increment(ref _stillUnder);

        public void Copied(BlobServer target, long bytes)
        {
            Interlocked.Increment(ref _copies);
            Interlocked.Add(ref _bytes, bytes);
            var tags = new TagList { { "sos.target", target.Name } };
            ReplicatorTelemetry.Copies.Add(1, tags);
            ReplicatorTelemetry.Bytes.Add(bytes, tags);
        }

        public void RemovedCopy(BlobServer server)
        {
            Interlocked.Increment(ref _removed);
            ReplicatorTelemetry.Removed.Add(1, new KeyValuePair<string, object?>("sos.server", server.Name));
        }

        /// <summary>A dry run counts the copies it would make, but they are not copies for the metrics.</summary>
        public void WouldCopy(int copies) => Interlocked.Add(ref _copies, copies);

        public void WouldRemove(int copies) => Interlocked.Add(ref _removed, copies);

        public void Failed(string what)
        {
            Interlocked.Increment(ref _failures);
            ReplicatorTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("sos.failure", what));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Only {Servers} blob servers, cannot keep {MinCopies} copies of each object: the pass copies what it can but cannot succeed")]
    private static partial void LogTooFewServers(ILogger logger, int servers, int minCopies);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} objects on {Server}")]
    private static partial void LogListed(ILogger logger, BlobServer server, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listing {Server} failed (after {Count} objects): {Reason}; asking again in {Seconds}s")]
    private static partial void LogListRetry(ILogger logger, BlobServer server, long count, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not list {Server}: {Reason}. It gets no copies in this pass, and the pass cannot succeed")]
    private static partial void LogListFailed(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Would copy {ObjectId} from {Source} to {Targets}")]
    private static partial void LogWouldCopy(ILogger logger, ObjectId objectId, BlobServer source, string targets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Would remove the handoff copies of {ObjectId} from {Servers}")]
    private static partial void LogWouldRemove(ILogger logger, ObjectId objectId, string servers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed the handoff copy of {ObjectId} from {Server}")]
    private static partial void LogRemoved(ILogger logger, ObjectId objectId, BlobServer server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the handoff copy of {ObjectId} from {Server}: {Reason}")]
    private static partial void LogRemoveFailed(ILogger logger, ObjectId objectId, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept the handoff copies of {ObjectId}: preferred server {Server} has no verified copy")]
    private static partial void LogRebalanceSkipped(ILogger logger, ObjectId objectId, BlobServer server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept the handoff copies of {ObjectId}: preferred server {Server} could not be asked: {Reason}")]
    private static partial void LogRebalanceSkipped(ILogger logger, ObjectId objectId, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Progress: {Objects} objects listed, {Under} below the minimum, {Misplaced} misplaced, {Copies} copies made ({Bytes} bytes), failures: {Failures}")]
    private static partial void LogProgress(ILogger logger, long objects, long under, long misplaced, long copies, long bytes, long failures);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Copied {ObjectId} from {Source} to {Target} ({Bytes} bytes)")]
    private static partial void LogCopied(ILogger logger, ObjectId objectId, BlobServer source, BlobServer target, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {ObjectId} to {Target} failed: {Reason}")]
    private static partial void LogCopyFailed(ILogger logger, ObjectId objectId, BlobServer target, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} no longer has {ObjectId}; trying another holder")]
    private static partial void LogSourceMissing(ILogger logger, ObjectId objectId, BlobServer source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {ObjectId} from {Source}: {Reason}; trying another holder")]
    private static partial void LogSourceFailed(ILogger logger, ObjectId objectId, BlobServer source, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Repair of {ObjectId} failed")]
    private static partial void LogRepairFailed(ILogger logger, ObjectId objectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ObjectId} still has {Copies} of {MinCopies} copies")]
    private static partial void LogStillUnderReplicated(ILogger logger, ObjectId objectId, int copies, int minCopies);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Pass done in {Seconds:0.0}s: {Objects} objects on {Servers} servers, {UnderBefore} below {MinCopies} copies before, "
            + "{Misplaced} off their preferred servers, {Copies} copies made ({Bytes} bytes), {Removed} handoff copies removed, "
            + "failures: {Failures}, {UnderAfter} below {MinCopies} copies after")]
    private static partial void LogPassSummary(ILogger logger, double seconds, long objects, int servers, long underBefore, int minCopies,
        long misplaced, long copies, long bytes, long removed, long failures, long underAfter);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dry run done in {Seconds:0.0}s: {Objects} objects on {Servers} servers, {UnderBefore} below {MinCopies} copies, "
            + "{Misplaced} off their preferred servers, {Copies} copies would be made, {Removed} handoff copies would be removed, "
            + "failures: {Failures}; nothing was changed")]
    private static partial void LogDryRunSummary(ILogger logger, double seconds, long objects, int servers, long underBefore, int minCopies,
        long misplaced, long copies, long removed, long failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Unlisted} of {Servers} blob servers could not be listed: copies they hold went uncounted")]
    private static partial void LogUnlistedServers(ILogger logger, int unlisted, int servers);
}
