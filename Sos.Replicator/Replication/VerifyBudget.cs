namespace Sos.Replicator.Replication;

/// <summary>
/// The bytes a <c>--verify</c> pass may have the blob servers re-hash. An object is verified whole
/// or not at all: it starts while the budget has room, so the last one may overshoot it by its own size.
/// </summary>
internal sealed class VerifyBudget(long? maxBytes)
{
    private long _spent;

    /// <summary>Whether another object may be verified.</summary>
    public bool HasRoom => maxBytes is not { } max || Interlocked.Read(ref _spent) < max;

    public void Spend(long bytes) => Interlocked.Add(ref _spent, bytes);
}
