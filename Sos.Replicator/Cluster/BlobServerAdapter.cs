using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Replicator.Replication;

namespace Sos.Replicator.Cluster;

/// <summary>
/// The replicator's questions mapped onto <see cref="ClusterClient"/>, the one way to the blob
/// servers: its results become the adapter's, and a server that could not answer becomes a
/// <see cref="ServerUnavailableException"/> for the pass to count. No request is built here.
/// </summary>
internal sealed class BlobServerAdapter(ClusterClient cluster, ILogger<BlobServerAdapter> logger) : IBlobServerAdapter
{
    public async Task<string?> ReadIdentityAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var answer = await cluster.ReadIdentityAsync(server, cancellationToken);
        return answer.Answered ? answer.Id : throw new ServerUnavailableException(server, "give its identity");
    }

    public async Task<ListingPage> ListPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken) =>
        await cluster.ListPageAsync(server, after, limit, cancellationToken)
            ?? throw new ServerUnavailableException(server, "list its copies");

    public async Task<CopyMade> CopyAsync(ObjectId id, IReadOnlyList<BlobServer> sources, BlobServer target, CancellationToken cancellationToken)
    {
        // A body can be read once, so every copy reads the object anew from a holder.
        foreach (var holder in sources)
        {
            var transfer = await cluster.CopyBetweenAsync(holder, target, id, cancellationToken);
            if (transfer.Source == ReadStatus.Missing)
            {
                // Listed earlier in this pass, gone now: quarantined by a scrub, or removed.
                ReplicationLog.SourceMissing(logger, id, holder);
                continue;
            }
            if (transfer.Write is not { } write)
            {
                continue; // the cluster layer logged why; the next holder may do
            }
            return write.Written
                ? new CopyMade(holder, transfer.Length)
                : throw new ServerUnavailableException(target, $"take a copy of {id} ({write.Failure})");
        }
        throw new InvalidOperationException($"No holder of {id} could be read ({string.Join(", ", sources)}).");
    }

    public async Task<CopyCheck> VerifyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var verification = await cluster.VerifyCopyAsync(server, id, cancellationToken);
        return verification.Status switch
        {
            VerifyStatus.Good => CopyCheck.Good(verification.Size ?? 0),
            VerifyStatus.Missing => CopyCheck.Missing,
            VerifyStatus.Bad => CopyCheck.Bad,
            _ => throw new ServerUnavailableException(server, $"verify {id}"),
        };
    }

    public async Task<bool> RemoveAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken) =>
        await cluster.RemoveCopyAsync(server, id, cancellationToken) switch
        {
            CopyRemoval.Removed => true,
            CopyRemoval.Missing => false,
            CopyRemoval.Refused => throw new ServerUnavailableException(server, $"remove {id}: the credential may not remove copies"),
            _ => throw new ServerUnavailableException(server, $"remove {id}"),
        };

    public async Task<bool> HoldLeaseAsync(BlobServer server, string name, string holder, TimeSpan duration, CancellationToken cancellationToken) =>
        await cluster.HoldLeaseAsync(server, name, holder, duration, cancellationToken) switch
        {
            LeaseStatus.Held => true,
            LeaseStatus.HeldByAnother => false,
            _ => throw new ServerUnavailableException(server, $"hold the lease {name}"),
        };

    public async Task ReleaseLeaseAsync(BlobServer server, string name, string holder, CancellationToken cancellationToken)
    {
        if (await cluster.ReleaseLeaseAsync(server, name, holder, cancellationToken) == LeaseStatus.Unavailable)
        {
            throw new ServerUnavailableException(server, $"give back the lease {name}");
        }
    }

    public async Task<ReplicatorMark?> ReadMarkAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var answer = await cluster.ReadSeenMarkAsync(server, cancellationToken);
        return answer.Answered ? answer.Mark : throw new ServerUnavailableException(server, "give its replicator mark");
    }

    public async Task WriteMarkAsync(BlobServer server, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        if (!await cluster.WriteSeenMarkAsync(server, seenAt, cancellationToken))
        {
            throw new ServerUnavailableException(server, "take its replicator mark");
        }
    }
}
