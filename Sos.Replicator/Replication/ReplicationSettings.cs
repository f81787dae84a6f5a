namespace Sos.Replicator.Replication;

/// <summary>How a pass runs, from the command line (the minimum copies and the servers are the cluster's).</summary>
/// <param name="DryRun">Plan and report the copies, make none.</param>
/// <param name="Parallelism">Objects repaired at once.</param>
/// <param name="Rebalance">
/// Remove copies from handoff servers once the object's preferred servers' copies were verified
/// by hash in the same pass, while holding the cluster's rebalance lease.
/// </param>
/// <param name="ShowProgress">Log a progress line every few seconds (the job is watched in a terminal).</param>
/// <param name="ListPageSize">Ids asked of a blob server per listing request.</param>
/// <param name="Verify">Ask every holder to verify its copy by hash, and count only verified copies.</param>
/// <param name="VerifyMaxBytes">With <paramref name="Verify"/>, the bytes the servers may re-hash in one pass; null for no limit.</param>
internal sealed record ReplicationSettings(
    bool DryRun,
    int Parallelism,
    bool Rebalance = false,
    bool ShowProgress = false,
    int ListPageSize = 1000,
    bool Verify = false,
    long? VerifyMaxBytes = null)
{
    /// <summary>How often progress is logged when <see cref="ShowProgress"/> is on.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long the rebalance lease is taken for on each server; the pass renews it every quarter
    /// of that, so a replicator that dies frees the cluster within this time.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long a deleted object's tombstones are kept at least: they are collected only once every
    /// blob server holds them and this long has passed since the delete.
    /// </summary>
    public TimeSpan TombstoneGrace { get; init; } = TimeSpan.FromDays(7);
}
