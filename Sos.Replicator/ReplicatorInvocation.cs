using Sos.Core.Placement;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

/// <summary>What the command line asked for.</summary>
/// <param name="Once">One pass, then exit with its verdict.</param>
/// <param name="Interval">Without <paramref name="Once"/>, the wait between passes.</param>
/// <param name="Verbose">Log every copy.</param>
/// <param name="MinCopies">Null when not given: the configured <c>Sos:MinCopies</c> (the AppHost's) stands.</param>
/// <param name="BlobServers">Null when not given: the configured <c>Sos:BlobServers</c> (the AppHost's) stand.</param>
/// <param name="Pass">How each pass runs.</param>
internal sealed record ReplicatorInvocation(
    bool Once, TimeSpan Interval, bool Verbose, int? MinCopies, IReadOnlyList<BlobServer>? BlobServers, ReplicationSettings Pass);
