using System.Diagnostics;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.UploadApi.Deletes;

/// <summary>
/// The delete path: find which servers hold a copy or a tombstone of the object, then write a
/// tombstone stamped now to them and to the object's preferred servers, acknowledged once as many
/// servers as an upload needs have made it durable. Each server moves its copy to its trash; the
/// replicator brings the delete to servers that were away.
/// </summary>
public sealed partial class ObjectDeleter(ClusterClient cluster, ILogger<ObjectDeleter> logger)
{
    public async Task<DeleteResult> DeleteAsync(ObjectId id, CancellationToken cancellationToken)
    {
        using var activity = UploadApiTelemetry.Source.StartActivity("sos.delete");
        activity?.SetTag("sos.object.id", id.ToString());
        var traces = await cluster.FindTracesAsync(id, cancellationToken);
        if (traces.Holders.Count == 0 && traces.Unavailable == 0)
        {
            // No server ever held it, as a copy or as a delete: nothing to delete, nothing written.
            activity?.SetTag("sos.delete.outcome", "never-stored");
            return new DeleteResult(DeleteOutcome.NeverStored, 0, cluster.MinCopies);
        }
        var written = await cluster.WriteTombstonesAsync(id, traces.Holders, cancellationToken);
        var durable = written.Result.Written.Count;
        activity?.SetTag("sos.tombstones.written", durable);
        activity?.SetTag("sos.tombstones.servers", string.Join(",", written.Result.Written.Select(server => server.Name)));
        activity?.SetTag("sos.delete.timestamp", written.Stamp.ToString());
        if (durable < cluster.MinCopies)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "too few tombstones");
            LogNotDurable(logger, id, durable, cluster.MinCopies);
            UploadApiTelemetry.DeletesRefused.Add(1);
            return new DeleteResult(DeleteOutcome.Unavailable, durable, cluster.MinCopies);
        }
        if (traces.Holders.Count == 0 && !written.Held)
        {
            // No server that answered held it, but some were away and might: the tombstones stay so
            // that such a copy cannot come back, and the answer is what the reachable servers know.
            activity?.SetTag("sos.delete.outcome", "never-stored");
            return new DeleteResult(DeleteOutcome.NeverStored, durable, cluster.MinCopies);
        }
        LogDeleted(logger, id, written.Stamp, durable);
        UploadApiTelemetry.Deletes.Add(1);
        activity?.SetTag("sos.delete.outcome", "deleted");
        return new DeleteResult(DeleteOutcome.Deleted, durable, cluster.MinCopies, written.Stamp);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {ObjectId} at {Timestamp}: tombstones on {Written} servers")]
    private static partial void LogDeleted(ILogger logger, ObjectId objectId, HybridTimestamp timestamp, int written);

    [LoggerMessage(Level = LogLevel.Error, Message = "Delete of {ObjectId} refused: {Written} durable tombstones, {Required} required")]
    private static partial void LogNotDurable(ILogger logger, ObjectId objectId, int written, int required);
}
