using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>What one server says it has of an object: a copy (null: none) and a tombstone's timestamp (null: none).</summary>
internal readonly record struct ServerPresence(ObjectInfo? Copy, HybridTimestamp? Deleted);
