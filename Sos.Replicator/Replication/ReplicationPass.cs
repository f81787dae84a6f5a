using System.Diagnostics;
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
        var planner = new ReplicationPlanner(cluster.Servers, cluster.MinCopies);
        if (planner.TooFewServers)
        {
            LogTooFewServers(logger, planner.Servers.Count, planner.MinCopies);
        }

        var tally = new Tally();
        var (holders, unlisted) = await ListAllAsync(planner, tally, cancellationToken);
        var underBefore = planner.CountUnderReplicated(holders);
        var plan = planner.Plan(holders, unlisted);
        var underAfter = settings.DryRun ? ReportPlan(plan, tally) : await RepairAllAsync(plan, tally, cancellationToken);

        var report = new ReplicationReport(
            settings.DryRun, planner.Servers.Count, ReplicationPlanner.CountServers(unlisted), planner.MinCopies, holders.Count,
            underBefore, tally.Copies, tally.Bytes, tally.Failures, underAfter, Stopwatch.GetElapsedTime(started));
        ReplicatorTelemetry.UnderReplicated.Record(underAfter);
        activity?.SetTag("sos.objects", report.Objects);
        activity?.SetTag("sos.under_replicated.before", underBefore);
        activity?.SetTag("sos.under_replicated.after", underAfter);
        activity?.SetTag("sos.copies", report.Copies);
        if (report.Failures > 0)
        {
            activity?.SetStatus(ActivityStatusCode.Error, $"{report.Failures} failures");
        }
        LogReport(report);
        return report;
    }

    private async Task<(Dictionary<ObjectId, ulong> Holders, ulong Unlisted)> ListAllAsync(
        ReplicationPlanner planner, Tally tally, CancellationToken cancellationToken)
    {
        var holders = new Dictionary<ObjectId, ulong>();
        ulong unlisted = 0;
        // One server after the other: the census is a single dictionary, and listing costs little
        // next to copying.
        for (var index = 0; index < planner.Servers.Count; index++)
        {
            var server = planner.Servers[index];
            var listed = 0;
            try
            {
                await foreach (var id in blobServers.ListAsync(server, settings.ListPageSize, cancellationToken))
                {
                    ReplicationPlanner.RecordHolder(holders, id, index);
                    listed++;
                }
                LogListed(logger, server, listed);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // What it did list stays recorded (those copies exist); the pass goes on without the rest.
                unlisted |= ReplicationPlanner.Bit(index);
                tally.Failed("list");
                LogListFailed(logger, server, listed, Describe(ex));
            }
        }
        return (holders, unlisted);
    }

    /// <summary>The dry run: say what would be copied, copy nothing. Returns the objects below the minimum.</summary>
    private int ReportPlan(IEnumerable<UnderReplicatedObject> plan, Tally tally)
    {
        var underReplicated = 0;
        foreach (var item in plan)
        {
            underReplicated++;
            var targets = item.Targets.Take(item.CopiesNeeded).Select(target => target.Name).ToArray();
            tally.WouldCopy(targets.Length);
            // Saying this is the dry run's purpose: the line is built whatever the log level.
            var targetNames = targets.Length > 0 ? string.Join(", ", targets) : "nowhere (no server left to take a copy)";
            LogWouldCopy(logger, item.Id, item.Holders[0], targetNames);
        }
        return underReplicated;
    }

    /// <summary>Repairs the objects a few at a time. Returns how many are still below the minimum.</summary>
    private async Task<int> RepairAllAsync(IEnumerable<UnderReplicatedObject> plan, Tally tally, CancellationToken cancellationToken)
    {
        var stillUnder = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(plan, options, async (item, ct) =>
        {
            if (!await RepairAsync(item, tally, ct))
            {
                Interlocked.Increment(ref stillUnder);
            }
        });
        return stillUnder;
    }

    /// <summary>Brings one object to its minimum if it can. Returns whether it got there.</summary>
    private async Task<bool> RepairAsync(UnderReplicatedObject item, Tally tally, CancellationToken cancellationToken)
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
            return false;
        }
        // The fan-out reports copies cut short by cancellation as failures; a stopping pass is not a failing one.
        cancellationToken.ThrowIfCancellationRequested();

        foreach (var (target, error) in result.Failures)
        {
            tally.Failed("copy");
            LogCopyFailed(logger, item.Id, target, Describe(error));
        }
        var copies = item.Holders.Count + result.Written.Count;
        if (result.Written.Count < item.CopiesNeeded)
        {
            LogStillUnderReplicated(logger, item.Id, copies, item.Holders.Count + item.CopiesNeeded);
            return false;
        }
        return true;
    }

    private async Task CopyAsync(UnderReplicatedObject item, BlobServer target, Tally tally, CancellationToken cancellationToken)
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
    private async Task<BlobResponse> OpenSourceAsync(UnderReplicatedObject item, CancellationToken cancellationToken)
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
                report.MinCopies, report.Copies, report.Failures);
        }
        else
        {
            LogPassSummary(logger, report.Duration.TotalSeconds, report.Objects, report.Servers, report.UnderReplicatedBefore,
                report.MinCopies, report.Copies, report.Bytes, report.Failures, report.UnderReplicatedAfter);
        }
        if (report.UnlistedServers > 0)
        {
            LogUnlistedServers(logger, report.UnlistedServers, report.Servers);
        }
    }

    /// <summary>The pass's counts, added to by copies running in parallel.</summary>
    private sealed class Tally
    {
        private long _copies;
        private long _bytes;
        private long _failures;

        public long Copies => Interlocked.Read(ref _copies);

        public long Bytes => Interlocked.Read(ref _bytes);

        public long Failures => Interlocked.Read(ref _failures);

        public void Copied(BlobServer target, long bytes)
        {
            Interlocked.Increment(ref _copies);
            Interlocked.Add(ref _bytes, bytes);
            var tags = new TagList { { "sos.target", target.Name } };
            ReplicatorTelemetry.Copies.Add(1, tags);
            ReplicatorTelemetry.Bytes.Add(bytes, tags);
        }

        /// <summary>A dry run counts the copies it would make, but they are not copies for the metrics.</summary>
        public void WouldCopy(int copies) => Interlocked.Add(ref _copies, copies);

        public void Failed(string what)
        {
            Interlocked.Increment(ref _failures);
            ReplicatorTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("sos.failure", what));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Only {Servers} blob servers, cannot keep {MinCopies} copies of each object: the pass copies what it can but cannot succeed")]
    private static partial void LogTooFewServers(ILogger logger, int servers, int minCopies);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} objects on {Server}")]
    private static partial void LogListed(ILogger logger, BlobServer server, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not list {Server} (after {Count} objects): {Reason}. It gets no copies in this pass, and the pass cannot succeed")]
    private static partial void LogListFailed(ILogger logger, BlobServer server, int count, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Would copy {ObjectId} from {Source} to {Targets}")]
    private static partial void LogWouldCopy(ILogger logger, ObjectId objectId, BlobServer source, string targets);

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
            + "{Copies} copies made ({Bytes} bytes), failures: {Failures}, {UnderAfter} below {MinCopies} copies after")]
    private static partial void LogPassSummary(ILogger logger, double seconds, int objects, int servers, int underBefore, int minCopies,
        long copies, long bytes, long failures, int underAfter);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dry run done in {Seconds:0.0}s: {Objects} objects on {Servers} servers, {UnderBefore} below {MinCopies} copies, "
            + "{Copies} copies would be made, failures: {Failures}; nothing was changed")]
    private static partial void LogDryRunSummary(ILogger logger, double seconds, int objects, int servers, int underBefore, int minCopies,
        long copies, long failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Unlisted} of {Servers} blob servers could not be listed: copies they hold went uncounted")]
    private static partial void LogUnlistedServers(ILogger logger, int unlisted, int servers);
}
