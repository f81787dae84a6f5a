using Microsoft.Extensions.Logging;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Replicator.Deletes;

/// <summary>
/// The delete step of a pass, run before any copy is made: lists every server's tombstones, brings
/// each delete to the servers that lack it (each moves its older copy to its trash and from then
/// on refuses older copies, so no repair can bring the object back), and collects the tombstones
/// that every server holds once their grace period has passed (<see cref="TombstonePlan"/>).
/// </summary>
internal sealed partial class TombstonePropagation(ClusterClient cluster, ILogger<TombstonePropagation> logger)
{
    /// <param name="passStarted">
    /// The pass's start, the clock collections are judged by: the same instant the pass marks
    /// servers with, so a tombstone collected is always older than the grace before every mark
    /// the pass leaves.
    /// </param>
    /// <param name="grace">How long after a delete its tombstone is kept at least.</param>
    /// <param name="pageSize">Tombstones asked of a server per listing request.</param>
    /// <param name="dryRun">List and plan only.</param>
    /// <param name="cancellationToken">Stops the step.</param>
    public async Task<TombstoneReport> RunAsync(DateTimeOffset passStarted, TimeSpan grace, int pageSize, bool dryRun, CancellationToken cancellationToken)
    {
        using var activity = ReplicatorTelemetry.Source.StartActivity("sos.replicator.tombstones");
        var listed = new Dictionary<BlobServer, IReadOnlyDictionary<ObjectId, HybridTimestamp>>();
        foreach (var server in cluster.Servers)
        {
            if (await ListAsync(server, pageSize, cancellationToken) is { } tombstones)
            {
                listed[server] = tombstones;
            }
            else
            {
                LogUnlisted(logger, server.Name);
            }
        }
        var plan = TombstonePlan.Make(cluster.Servers, listed, passStarted, grace);
        int spread = 0, failed = 0, collected = 0;
        // A server is caught up once it was listed and took every tombstone it lacked.
        var caughtUp = new HashSet<BlobServer>(listed.Keys);
        if (dryRun)
        {
            caughtUp.ExceptWith(plan.Spreads.Select(write => write.Server));
        }
        else
        {
            foreach (var write in plan.Spreads)
            {
                var reply = await cluster.WriteTombstoneAsync(write.Server, write.Id, write.Stamp, cancellationToken);
                if (reply is null)
                {
                    failed++;
                    caughtUp.Remove(write.Server);
                    continue;
                }
                spread++;
                LogSpread(logger, write.Id, write.Server.Name, reply.Status ?? "");
            }
            foreach (var (id, stamp) in plan.Collections)
            {
                var everywhere = true;
                foreach (var server in cluster.Servers)
                {
                    everywhere &= await cluster.RemoveTombstoneAsync(server, id, stamp, cancellationToken);
                }
                if (everywhere)
                {
                    collected++;
                    LogCollected(logger, id, stamp);
                }
            }
        }
        ReplicatorTelemetry.TombstonesHeld.Record(plan.Held - collected);
        ReplicatorTelemetry.TombstonesSpread.Add(spread);
        ReplicatorTelemetry.TombstonesCollected.Add(collected);
        ReplicatorTelemetry.Failures.Add(failed + (cluster.Servers.Count - listed.Count));
        activity?.SetTag("sos.tombstones.held", plan.Held);
        activity?.SetTag("sos.tombstones.spread", spread);
        activity?.SetTag("sos.tombstones.collected", collected);
        return new TombstoneReport(plan.Held, spread, collected, failed, cluster.Servers.Count - listed.Count, caughtUp);
    }

    private async Task<IReadOnlyDictionary<ObjectId, HybridTimestamp>?> ListAsync(BlobServer server, int pageSize, CancellationToken cancellationToken)
    {
        var tombstones = new Dictionary<ObjectId, HybridTimestamp>();
        ObjectId? after = null;
        while (true)
        {
            if (await cluster.ListTombstonesPageAsync(server, after, pageSize, cancellationToken) is not { } page)
            {
                return null;
            }
            foreach (var (id, stamp) in page.Tombstones)
            {
                tombstones[id] = stamp;
                after = id;
            }
            if (page.IsLast || page.Tombstones.Count == 0)
            {
                return tombstones;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list the tombstones of {Server}: no tombstone is collected this pass")]
    private static partial void LogUnlisted(ILogger logger, string server);

    [LoggerMessage(Level = LogLevel.Information, Message = "Brought the delete of {ObjectId} to {Server} ({Status})")]
    private static partial void LogSpread(ILogger logger, ObjectId objectId, string server, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collected the tombstone of {ObjectId} (deleted at {Deleted}): every server applied it and its grace period passed")]
    private static partial void LogCollected(ILogger logger, ObjectId objectId, HybridTimestamp deleted);
}
