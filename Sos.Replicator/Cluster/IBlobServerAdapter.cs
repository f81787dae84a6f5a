using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Cluster;

/// <summary>
/// Everything the replicator asks of blob servers, in the replicator's terms. The passes never see
/// HTTP nor the cluster layer's results: <see cref="BlobServerAdapter"/> maps this onto the
/// cluster layer, and the tests put blob servers in memory behind it.
/// Every method throws when a server fails (down, refusing, answering nonsense); an answer that
/// is part of the protocol (no such copy, lease held by another) is a result.
/// </summary>
internal interface IBlobServerAdapter
{
    /// <summary>The server's stable identity, or null when it has none to give (an original sos blob server).</summary>
    Task<string?> ReadIdentityAsync(BlobServer server, CancellationToken cancellationToken);

    /// <summary>
    /// One page of a server's ids in ascending order, those after <paramref name="after"/>, and
    /// whether the listing is complete.
    /// </summary>
    Task<ListingPage> ListPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Streams the object, metadata included, from the first of <paramref name="sources"/> that can
    /// be read to <paramref name="target"/>, which checks the bytes against the id before it keeps them.
    /// </summary>
    Task<CopyMade> CopyAsync(ObjectId id, IReadOnlyList<BlobServer> sources, BlobServer target, CancellationToken cancellationToken);

    /// <summary>Asks a server to re-hash its copy against the id and check its metadata; a bad copy is quarantined by the server as it answers.</summary>
    Task<CopyCheck> VerifyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken);

    /// <summary>Removes a server's copy (into its trash). False when it had none.</summary>
    Task<bool> RemoveAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken);

    /// <summary>Takes or renews a named lease on one server for <paramref name="duration"/>. False when another holder has it.</summary>
    Task<bool> HoldLeaseAsync(BlobServer server, string name, string holder, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Gives a lease back, so that the next pass need not wait for it to expire.</summary>
    Task ReleaseLeaseAsync(BlobServer server, string name, string holder, CancellationToken cancellationToken);

    /// <summary>The replicator's "last seen" mark on the server, or null when it keeps none (an original sos blob server).</summary>
    Task<ReplicatorMark?> ReadMarkAsync(BlobServer server, CancellationToken cancellationToken);

    /// <summary>Marks the server seen by the pass that started at <paramref name="seenAt"/>.</summary>
    Task WriteMarkAsync(BlobServer server, DateTimeOffset seenAt, CancellationToken cancellationToken);
}
