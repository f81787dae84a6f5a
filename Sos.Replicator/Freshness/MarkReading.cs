namespace Sos.Replicator.Freshness;

/// <summary>What one server said of the replicator's mark on it.</summary>
/// <param name="KeepsMarks">False for a server without <c>/replicator/seen</c> (an original sos blob server).</param>
/// <param name="SeenAt">The start of the latest pass that brought it every delete; null when none did.</param>
/// <param name="CreatedAt">When its store was first started, when it says.</param>
/// <param name="HoldsCopies">It listed at least one copy (asked only of a server without a mark).</param>
internal sealed record MarkReading(bool KeepsMarks, DateTimeOffset? SeenAt, DateTimeOffset? CreatedAt, bool HoldsCopies);
