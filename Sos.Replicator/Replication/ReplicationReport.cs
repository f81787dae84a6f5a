namespace Sos.Replicator.Replication;

/// <summary>What one pass saw and did.</summary>
/// <param name="DryRun">Nothing was copied or removed; the pass only reported.</param>
/// <param name="Servers">Blob servers in the cluster.</param>
/// <param name="UnlistedServers">Servers whose listing failed: the pass cannot know what they hold.</param>
/// <param name="MinCopies">Copies every object must have.</param>
/// <param name="Objects">Distinct objects listed.</param>
/// <param name="UnderReplicatedBefore">Objects below the minimum as listed.</param>
/// <param name="Misplaced">Objects at their minimum with a preferred server lacking a copy (copies left on handoff servers).</param>
/// <param name="Copies">Copies made; in a dry run, the copies that would be made.</param>
/// <param name="Bytes">Bytes copied.</param>
/// <param name="Removed">Copies removed from handoff servers (<c>--rebalance</c>); in a dry run, those that would be.</param>
/// <param name="Failures">Failed listings, failed copy attempts (an attempt handed off to another server still counts) and failed removals.</param>
/// <param name="UnderReplicatedAfter">Objects still below the minimum at the end; in a dry run, the same as before.</param>
/// <param name="Duration">How long the pass took.</param>
internal sealed record ReplicationReport(
    bool DryRun,
    int Servers,
    int UnlistedServers,
    int MinCopies,
    long Objects,
    long UnderReplicatedBefore,
    long Misplaced,
    long Copies,
    long Bytes,
    long Removed,
    long Failures,
    long UnderReplicatedAfter,
    TimeSpan Duration)
{
    public bool TooFewServers => Servers < MinCopies;

    /// <summary>
    /// Whether every object is (in a dry run: already was) at its minimum copies. A server that
    /// could not be listed, or too few servers, means the pass cannot claim so.
    /// </summary>
    public bool AtMinimum => !TooFewServers && UnlistedServers == 0 && UnderReplicatedAfter == 0;
}
