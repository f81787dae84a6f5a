namespace Sos.Replicator.Replication;

/// <summary>What every object of one pass shares: the plan's rules, the counts, the rebalance lease (if held) and the verify budget.</summary>
/// <param name="Planner">The plan's rules, over the distinct servers.</param>
/// <param name="Tally">The pass's counts.</param>
/// <param name="Lease">The rebalance lease, when the pass holds it.</param>
/// <param name="Budget">What a verify pass may still have re-hashed.</param>
/// <param name="CannotVerify">
/// Servers that gave no identity (an original sos blob server has no verify either: its 404
/// would read as "no copy"), as holder bits: a verify pass counts none of their copies.
/// </param>
/// <param name="Stale">Servers away longer than the tombstone grace, as holder bits: not listed, their content unknown.</param>
internal sealed record PassState(ReplicationPlanner Planner, PassTally Tally, RebalanceLease? Lease, VerifyBudget Budget, ulong CannotVerify, ulong Stale = 0)
{
    /// <summary>Servers whose copies the pass cannot know: those whose listing failed so far, and the stale ones.</summary>
    public ulong Unknown => Tally.Unlisted | Stale;
}
