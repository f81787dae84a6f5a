using Sos.Core.Placement;

namespace Sos.Replicator.Freshness;

/// <summary>
/// Which servers were away longer than the tombstone grace, from their marks alone (pure, so the
/// rule is tested without servers). A tombstone is collected only by a pass, at least the grace
/// after its delete, and every pass marks the servers it brought every delete to. So a server
/// whose mark is within the grace of the latest mark held every tombstone any pass collected
/// since; one further behind may hold copies of objects whose tombstones are gone, and copying
/// from it would bring deleted objects back.
/// </summary>
/// <remarks>
/// The latest mark, not the clock, is the reference: while no pass runs, no tombstone is
/// collected, so a replicator stopped for longer than the grace makes no server stale. A server
/// without a mark is stale only when it holds copies, other servers have marks, and its store is
/// older than the grace before the latest mark (a server added since cannot have missed a
/// collection). When no server has a mark yet (the first pass that marks), none is stale. A
/// server that keeps no marks (an original sos blob server) cannot be judged: it counts as today.
/// </remarks>
internal static class StaleServerRule
{
    /// <summary>The stale servers among <paramref name="readings"/>, each with why.</summary>
    public static IReadOnlyDictionary<BlobServer, string> Find(IReadOnlyDictionary<BlobServer, MarkReading> readings, TimeSpan grace)
    {
        var stale = new Dictionary<BlobServer, string>();
        if (readings.Values.Max(reading => reading.SeenAt) is not { } latest)
        {
            return stale;
        }
        foreach (var (server, reading) in readings)
        {
            if (!reading.KeepsMarks)
            {
                continue;
            }
            if (reading.SeenAt is { } seen)
            {
                if (latest - seen > grace)
                {
                    stale[server] = $"was last seen by the replicator {Days(latest - seen)} before the latest pass, longer than the tombstone grace ({Days(grace)})";
                }
            }
            else if (reading.HoldsCopies && (reading.CreatedAt is not { } created || latest - created > grace))
            {
                stale[server] = "holds copies but has no mark of the replicator, which has seen the other servers";
            }
        }
        return stale;
    }

    private static string Days(TimeSpan span) => span.TotalDays >= 1
        ? $"{span.TotalDays.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} days"
        : $"{span.TotalHours.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} hours";
}
