namespace Sos.Replicator.Replication;

/// <summary>What every object of one pass shares: the plan's rules, the counts, the rebalance lease (if held) and the verify budget.</summary>
internal sealed record PassState(ReplicationPlanner Planner, PassTally Tally, RebalanceLease? Lease, VerifyBudget Budget);
