using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Replicator.Deletes;

/// <summary>One tombstone to bring to one server that lacks it.</summary>
internal sealed record TombstoneSpread(BlobServer Server, ObjectId Id, HybridTimestamp Stamp);
