using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>One page of a server's tombstones, ascending by id; <see cref="IsLast"/> when the listing is complete.</summary>
public sealed record TombstonePage(IReadOnlyList<(ObjectId Id, HybridTimestamp Stamp)> Tombstones, bool IsLast);
