namespace Sos.Replicator.Replication;

/// <summary>What one pass saw and did.</summary>
/// <param name="DryRun">Nothing was copied or removed; the pass only reported.</param>
/// <param name="Servers">Distinct blob servers in the cluster (one server configured under two names counts once).</param>
/// <param name="UnlistedServers">Servers whose listing failed: the pass cannot know what they hold.</param>
/// <param name="MinCopies">Copies every object must have.</param>
/// <param name="Objects">Distinct objects listed.</param>
/// <param name="UnderReplicatedBefore">Objects below the minimum as listed (with <c>--verify</c>: below the minimum of verified copies).</param>
/// <param name="Misplaced">Objects at their minimum with a preferred server lacking a copy (copies left on handoff servers).</param>
/// <param name="Copies">Copies made; in a dry run, the copies that would be made.</param>
/// <param name="Bytes">Bytes copied.</param>
/// <param name="Removed">Copies removed from handoff servers (<c>--rebalance</c>); in a dry run, those that would be.</param>
/// <param name="Failures">Failed listings, verifications, copy attempts (an attempt handed off to another server still counts) and removals.</param>
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
    /// <summary>Mistakes in the configured servers that the pass found (one server under two names).</summary>
    public IReadOnlyList<string> ConfigurationErrors { get; init; } = [];

    /// <summary>
    /// Servers away longer than the tombstone grace, one line each (name and why): their copies
    /// were neither counted nor copied from, since they may be of objects deleted meanwhile.
    /// </summary>
    public IReadOnlyList<string> StaleServers { get; init; } = [];

    /// <summary>Why a <c>--rebalance</c> pass removed nothing, or stopped removing; null when it could rebalance or was not asked to.</summary>
    public string? RebalanceWithheld { get; init; }

    /// <summary>The pass asked every holder to verify its copy by hash (<c>--verify</c>) and counted only verified copies.</summary>
    public bool Verify { get; init; }

    /// <summary>Copies their servers verified by hash in this pass.</summary>
    public long VerifiedCopies { get; init; }

    /// <summary>Bytes the servers re-hashed for those verifications.</summary>
    public long VerifiedBytes { get; init; }

    /// <summary>Copies found bad, which their servers quarantined; the pass then restored them where the object needed them.</summary>
    public long BadCopies { get; init; }

    /// <summary>
    /// Objects a <c>--verify</c> pass did not verify because its byte budget was spent: counted by
    /// listing, as a plain pass counts them.
    /// </summary>
    public long BeyondVerifyBudget { get; init; }

    public bool TooFewServers => Servers < MinCopies;

    /// <summary>
    /// Whether every object is (in a dry run: already was) at its minimum copies, and the pass
    /// could tell: a server that could not be listed, a stale server, too few servers, or one
    /// server configured under two names means it cannot claim so.
    /// </summary>
    public bool AtMinimum => !TooFewServers && UnlistedServers == 0 && StaleServers.Count == 0 && UnderReplicatedAfter == 0 && ConfigurationErrors.Count == 0;

    /// <summary>Whether every object's copies were verified, when the pass was asked to verify them.</summary>
    public bool FullyVerified => !Verify || BeyondVerifyBudget == 0;
}
