using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Replicator.Cluster;
using Sos.Replicator.Freshness;

namespace Sos.Replicator.Replication;

/// <summary>
/// One replication pass: learn which configured names are distinct servers, list them, plan each
/// object with <see cref="ReplicationPlanner"/>, and stream each missing copy from a holder to the
/// server that should hold it. With <c>--verify</c> every holder first verifies its copy by hash
/// and only verified copies count; with <c>--rebalance</c>, under the cluster's rebalance lease,
/// handoff copies go once the preferred copies were verified in the same pass. A failing server or
/// object never stops the pass: it is logged, counted, and shows in the report.
/// </summary>
internal sealed class ReplicationPass(
    IBlobServerAdapter blobServers, BlobCluster cluster, ReplicationSettings settings, TimeProvider time, ILogger<ReplicationPass> logger)
{
    /// <summary>A pass that marks every fresh server it reaches (no delete step ran before it).</summary>
    public Task<ReplicationReport> RunAsync(CancellationToken cancellationToken) => RunAsync(time.GetUtcNow(), caughtUp: null, cancellationToken);

    /// <param name="passStarted">When the pass began (before its delete step listed the tombstones): the mark it leaves.</param>
    /// <param name="caughtUp">The servers the delete step brought every tombstone to (null: all); only those are marked.</param>
    /// <param name="cancellationToken">Stops the pass.</param>
    public async Task<ReplicationReport> RunAsync(DateTimeOffset passStarted, IReadOnlySet<BlobServer>? caughtUp, CancellationToken cancellationToken)
    {
        using var activity = ReplicatorTelemetry.Source.StartActivity("sos.replicate.pass");
        activity?.SetTag("sos.dry_run", settings.DryRun);
        activity?.SetTag("sos.verify", settings.Verify);
        var started = time.GetTimestamp();
        var view = await ClusterView.ReadAsync(blobServers, cluster.Servers, logger, cancellationToken);
        // Before any copy: a stale server's copies may be of objects deleted while it was away.
        var freshness = await FreshnessCheck.JudgeAsync(blobServers, view.Servers, settings.TombstoneGrace, logger, cancellationToken);
        if (!settings.DryRun)
        {
            await FreshnessCheck.MarkAsync(blobServers, freshness.Markable.Where(server => caughtUp?.Contains(server) ?? true), passStarted, logger, cancellationToken);
        }
        var tally = new PassTally();
        string? withheld = null;
        RebalanceLease? lease = null;
        ReplicationPlanner planner;
        try
        {
            if (settings.Rebalance)
            {
                (lease, withheld) = await TakeRebalanceLeaseAsync(view, cancellationToken);
            }
            var rebalance = settings.Rebalance && withheld is null;
            planner = new ReplicationPlanner(view.Servers, cluster.MinCopies, rebalance);
            if (planner.TooFewServers)
            {
                ReplicationLog.TooFewServers(logger, planner.Servers.Count, planner.MinCopies);
            }
            var cannotVerify = view.Unidentified.Aggregate(0UL, (mask, server) => mask | planner.BitOf(server));
            if (settings.Verify && cannotVerify != 0)
            {
                ReplicationLog.CannotVerify(logger, string.Join(", ", view.Unidentified));
            }
            var stale = freshness.Stale.Keys.Aggregate(0UL, (mask, server) => mask | planner.BitOf(server));
            var state = new PassState(planner, tally, lease, new VerifyBudget(settings.VerifyMaxBytes), cannotVerify, stale);
            await RunObjectsAsync(state, cancellationToken);
            if (lease is not null && !lease.IsHeld)
            {
                withheld = "the rebalance lease was lost during the pass; copies were removed only while it was held";
            }
        }
        finally
        {
            if (lease is not null)
            {
                await lease.DisposeAsync();
            }
        }

        var underAfter = settings.DryRun ? tally.UnderBefore : tally.StillUnder;
        var duration = time.GetElapsedTime(started);
        var report = new ReplicationReport(
            settings.DryRun, planner.Servers.Count, ReplicationPlanner.CountServers(tally.Unlisted), planner.MinCopies, tally.Objects,
            tally.UnderBefore, tally.Misplaced, tally.Copies, tally.Bytes, tally.Removed, tally.Failures, underAfter, duration)
        {
            ConfigurationErrors = view.ConfigurationErrors,
            StaleServers = [.. freshness.Stale.Select(pair => $"{pair.Key} {pair.Value}")],
            RebalanceWithheld = withheld,
            Verify = settings.Verify,
            VerifiedCopies = tally.VerifiedCopies,
            VerifiedBytes = tally.VerifiedBytes,
            BadCopies = tally.BadCopies,
            BeyondVerifyBudget = tally.BeyondVerifyBudget,
        };
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
        ReplicationLog.Report(logger, report);
        return report;
    }

    /// <summary>
    /// A rebalancing pass removes copies only when it knows every server for itself and holds the
    /// lease on a majority of them; otherwise it repairs and removes nothing, and says why.
    /// </summary>
    private async Task<(RebalanceLease? Lease, string? Withheld)> TakeRebalanceLeaseAsync(ClusterView view, CancellationToken cancellationToken)
    {
        if (view.ConfigurationErrors.Count > 0)
        {
            return (null, "one blob server is configured under two names; no copy is removed until the configuration names each server once");
        }
        if (view.Unidentified.Count > 0)
        {
            return (null, $"{string.Join(", ", view.Unidentified)} gave no identity, so the pass cannot tell that no two names reach one server; no copy was removed");
        }
        if (settings.DryRun)
        {
            return (null, null); // it removes nothing: it needs no lease to say what it would remove
        }
        var lease = await RebalanceLease.TryAcquireAsync(blobServers, view.Servers, settings.LeaseDuration, time, logger, cancellationToken);
        return lease is null
            ? (null, $"could not hold the rebalance lease on a majority of the {view.Servers.Count} blob servers (another rebalancing pass runs, or servers are down); "
                + "the pass repaired but removed no copy")
            : (lease, null);
    }

    private async Task RunObjectsAsync(PassState state, CancellationToken cancellationToken)
    {
        using var progress = settings.ShowProgress ? new CancellationTokenSource() : null;
        var progressTask = progress is null ? Task.CompletedTask : ShowProgressAsync(state.Tally, progress.Token);
        try
        {
            var census = CensusAsync(state, cancellationToken);
            if (settings.DryRun)
            {
                await foreach (var listed in census)
                {
                    if (Plan(state, listed.Id, listed.Holders, state.Unknown) is { } item)
                    {
                        ReportPlan(item, state.Tally);
                    }
                }
            }
            else
            {
                var options = new ParallelOptions { MaxDegreeOfParallelism = settings.Parallelism, CancellationToken = cancellationToken };
                await Parallel.ForEachAsync(census, options, (listed, ct) => new ValueTask(HandleAsync(listed, state, ct)));
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
    }

    /// <summary>
    /// Every object as the merged listings reach it, with the servers that listed it. A plain pass
    /// lets through only the objects that need something (deciding that takes no I/O); a verify
    /// pass lets every object through, since each one's copies are to be verified. Nothing per
    /// object outlives its turn, so memory stays at a page per server plus the objects in hand.
    /// </summary>
    private async IAsyncEnumerable<ListedObject> CensusAsync(PassState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var servers = state.Planner.Servers;
        // A stale server is not listed: none of its copies is counted, copied from, or sent more.
        var listings = servers.Select((server, index) => (state.Stale & ReplicationPlanner.Bit(index)) != 0
            ? AsyncEnumerable.Empty<ObjectId>()
            : ListServerAsync(server, cancellationToken)).ToList();
        var census = ListingMerge.MergeAsync(listings, (index, error) =>
        {
            // What it did list stays counted (those copies exist); the pass goes on without the rest.
            state.Tally.Unlist(ReplicationPlanner.Bit(index));
            state.Tally.Failed("list");
            ReplicationLog.ListFailed(logger, servers[index], ReplicationLog.Describe(error));
        }, cancellationToken);
        await foreach (var listed in census)
        {
            state.Tally.Listed();
            if (settings.Verify || settings.DryRun || state.Planner.Decide(listed.Id, listed.Holders, state.Unknown) is not null)
            {
                yield return listed;
            }
        }
    }

    /// <summary>
    /// One server's ids, page by page. A page that fails is retried by the cluster layer's
    /// blob-server pipeline (with the longer waits it gives listings); when it still fails, the
    /// server is given up for this pass.
    /// </summary>
    private async IAsyncEnumerable<ObjectId> ListServerAsync(BlobServer server, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectId? after = null;
        var listed = 0L;
        while (true)
        {
            var page = await blobServers.ListPageAsync(server, after, settings.ListPageSize, cancellationToken);
            foreach (var id in page.Ids)
            {
                yield return id;
            }
            listed += page.Ids.Count;
            if (page.IsLast || page.Ids.Count == 0)
            {
                ReplicationLog.Listed(logger, server, listed);
                yield break;
            }
            after = page.Ids[^1];
        }
    }

    /// <summary>What an object needs given who holds it, counted as found before the repair.</summary>
    private static ObjectRepair? Plan(PassState state, ObjectId id, ulong held, ulong unknown)
    {
        if (state.Planner.Decide(id, held, unknown) is not { } item)
        {
            return null;
        }
        if (item.UnderReplicated)
        {
            state.Tally.FoundUnderReplicated();
        }
        else if (item.CopiesNeeded > 0)
        {
            state.Tally.FoundMisplaced();
        }
        return item;
    }

    /// <summary>The dry run: say what would be copied and removed, change nothing.</summary>
    private void ReportPlan(ObjectRepair item, PassTally tally)
    {
        var targets = item.Targets.Take(item.CopiesNeeded).Select(target => target.Name).ToArray();
        tally.WouldCopy(targets.Length);
        tally.WouldRemove(item.Handoffs.Count);
        // Saying this is the dry run's purpose: the lines are built whatever the log level.
        if (item.CopiesNeeded > 0)
        {
            var targetNames = targets.Length > 0 ? string.Join(", ", targets) : "nowhere (no server left to take a copy)";
            ReplicationLog.WouldCopy(logger, item.Id, item.Holders[0], targetNames);
        }
        if (item.Handoffs.Count > 0)
        {
            var handoffNames = string.Join(", ", item.Handoffs);
            ReplicationLog.WouldRemove(logger, item.Id, handoffNames);
        }
    }

    /// <summary>One object: verify its copies if asked, then bring it to its minimum and its preferred servers, then rebalance it.</summary>
    private async Task HandleAsync(ListedObject listed, PassState state, CancellationToken cancellationToken)
    {
        var held = listed.Holders;
        var unknown = state.Unknown;
        ulong verified = 0;
        if (settings.Verify)
        {
            if (state.Budget.HasRoom)
            {
                (verified, unknown) = await VerifyHoldersAsync(listed, unknown, state, cancellationToken);
                held = verified; // only verified copies count
            }
            else
            {
                state.Tally.LeftUnverified();
            }
        }
        if (Plan(state, listed.Id, held, unknown) is { } item)
        {
            await RepairAsync(item, verified, state, cancellationToken);
        }
    }

    /// <summary>
    /// Asks each holder to verify its copy by hash. A bad copy is quarantined by its server as it
    /// answers, so it simply stops being a holder and the repair restores it. A holder that cannot
    /// be asked is neither counted nor sent a copy: returned with the servers of unknown content.
    /// </summary>
    private async Task<(ulong Verified, ulong Unknown)> VerifyHoldersAsync(ListedObject listed, ulong unknown, PassState state, CancellationToken cancellationToken)
    {
        ulong verified = 0;
        var servers = state.Planner.Servers;
        for (var index = 0; index < servers.Count; index++)
        {
            var bit = ReplicationPlanner.Bit(index);
            if ((listed.Holders & bit) == 0)
            {
                continue;
            }
            if ((state.CannotVerify & bit) != 0)
            {
                unknown |= bit;
                continue;
            }
            switch (await VerifyAsync(listed.Id, servers[index], state, cancellationToken))
            {
                case true:
                    verified |= bit;
                    break;
                case null:
                    unknown |= bit;
                    break;
            }
        }
        return (verified, unknown);
    }

    /// <summary>One server's verdict on its copy: true good, false bad or missing, null when it could not be asked.</summary>
    private async Task<bool?> VerifyAsync(ObjectId id, BlobServer server, PassState state, CancellationToken cancellationToken)
    {
        CopyCheck check;
        try
        {
            check = await blobServers.VerifyAsync(server, id, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            state.Tally.Failed("verify");
            ReplicationLog.VerifyFailed(logger, id, server, ReplicationLog.Describe(ex));
            return null;
        }
        switch (check.Verdict)
        {
            case CopyVerdict.Good:
                state.Tally.Verified(check.Size);
                state.Budget.Spend(check.Size);
                ReplicationLog.Verified(logger, id, server, check.Size);
                return true;
            case CopyVerdict.Bad:
                state.Tally.FoundBadCopy(server);
                ReplicationLog.BadCopy(logger, id, server);
                return false;
            default:
                ReplicationLog.VerifiedMissing(logger, id, server);
                return false;
        }
    }

    /// <summary>Brings one object to its minimum and its preferred servers if it can; then, rebalancing, removes its handoff copies.</summary>
    private async Task RepairAsync(ObjectRepair item, ulong verified, PassState state, CancellationToken cancellationToken)
    {
        var copyFailed = false;
        if (item.CopiesNeeded > 0)
        {
            FanOutResult result;
            try
            {
                // The fan-out keeps the needed copies in flight over the targets in rendezvous order and
                // hands a failed copy to the next target, as an upload does.
                result = await ReplicaFanOut.WriteAsync(
                    item.Targets, item.CopiesNeeded, (target, ct) => CopyAsync(item, target, state.Tally, ct), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                state.Tally.Failed("object");
                ReplicationLog.RepairFailed(logger, item.Id, ReplicationLog.Describe(ex));
                if (item.UnderReplicated)
                {
                    state.Tally.StillUnderReplicated();
                }
                return;
            }
            // The fan-out reports copies cut short by cancellation as failures; a stopping pass is not a failing one.
            cancellationToken.ThrowIfCancellationRequested();

            foreach (var (target, error) in result.Failures)
            {
                copyFailed = true;
                state.Tally.Failed("copy");
                ReplicationLog.CopyFailed(logger, item.Id, target, ReplicationLog.Describe(error));
            }
            // A copy just written was hashed against the id by the server that took it.
            var copies = item.Holders.Count + result.Written.Count;
            if (item.UnderReplicated && copies < cluster.MinCopies)
            {
                ReplicationLog.StillUnderReplicated(logger, item.Id, copies, cluster.MinCopies);
                state.Tally.StillUnderReplicated();
            }
        }
        if (item.Handoffs.Count > 0)
        {
            if (copyFailed)
            {
                // A failing copy is a sign of trouble with the object or the cluster: keep every copy there is.
                ReplicationLog.KeptHandoffs(logger, item.Id, "a copy of it failed in this pass");
                return;
            }
            await RemoveHandoffCopiesAsync(item, verified, state, cancellationToken);
        }
    }

    /// <summary>
    /// Removes the copies on handoff servers, only on strong evidence: every preferred server's copy
    /// was verified by hash in this pass (now, unless the verify pass already did), and the pass still
    /// holds the rebalance lease. The removed copies go to each server's trash, not away.
    /// </summary>
    private async Task RemoveHandoffCopiesAsync(ObjectRepair item, ulong verified, PassState state, CancellationToken cancellationToken)
    {
        if (state.Lease is not { IsHeld: true })
        {
            return; // the lease was lost; said once, and in the report
        }
        foreach (var server in item.Preferred)
        {
            if ((verified & state.Planner.BitOf(server)) != 0)
            {
                continue;
            }
            if (await VerifyAsync(item.Id, server, state, cancellationToken) is not true)
            {
                ReplicationLog.KeptHandoffs(logger, item.Id, $"preferred server {server} has no copy verified by hash");
                return;
            }
        }
        foreach (var server in item.Handoffs)
        {
            if (!state.Lease.IsHeld)
            {
                return;
            }
            try
            {
                if (await blobServers.RemoveAsync(server, item.Id, cancellationToken))
                {
                    state.Tally.RemovedCopy(server);
                    ReplicationLog.Removed(logger, item.Id, server);
                }
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                state.Tally.Failed("remove");
                ReplicationLog.RemoveFailed(logger, item.Id, server, ReplicationLog.Describe(ex));
            }
        }
    }

    private async Task CopyAsync(ObjectRepair item, BlobServer target, PassTally tally, CancellationToken cancellationToken)
    {
        using var activity = ReplicatorTelemetry.Source.StartActivity("sos.replicate.copy");
        activity?.SetTag("sos.object.id", item.Id.ToString());
        activity?.SetTag("sos.target", target.Name);
        try
        {
            var copy = await blobServers.CopyAsync(item.Id, item.Holders, target, cancellationToken);
            activity?.SetTag("sos.source", copy.Source.Name);
            tally.Copied(target, copy.Bytes);
            ReplicationLog.Copied(logger, item.Id, copy.Source, target, copy.Bytes);
        }
        catch (Exception ex)
        {
            activity?.AddException(ex);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    /// <summary>Logs where a long pass stands, every few seconds, until cancelled.</summary>
    private async Task ShowProgressAsync(PassTally tally, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(settings.ProgressInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                ReplicationLog.Progress(logger, tally.Objects, tally.UnderBefore, tally.Misplaced, tally.Copies, tally.Bytes, tally.Failures);
            }
        }
        catch (OperationCanceledException)
        {
            // The pass is over; its summary follows.
        }
    }
}
