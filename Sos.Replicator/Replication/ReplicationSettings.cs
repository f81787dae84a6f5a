namespace Sos.Replicator.Replication;

/// <summary>How a pass runs, from the command line (the minimum copies and the servers are the cluster's).</summary>
/// <param name="DryRun">Plan and report the copies, make none.</param>
/// <param name="Parallelism">Objects copied at once.</param>
/// <param name="ListPageSize">Ids asked of a blob server per listing request.</param>
internal sealed record ReplicationSettings(bool DryRun, int Parallelism, int ListPageSize = 1000);
