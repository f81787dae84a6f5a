using Sos.Replicator.Replication;

namespace Sos.Replicator.Control;

/// <summary>The outcome of the latest pass, for the health check and the "Replicate now" answer.</summary>
internal sealed class LastPass
{
    private volatile Outcome? _outcome;

    public void Finished(ReplicationReport report) => _outcome = new Outcome(report, null, DateTimeOffset.UtcNow);

    public void Failed(Exception error) => _outcome = new Outcome(null, error, DateTimeOffset.UtcNow);

    public Outcome? Latest => _outcome;

    internal sealed record Outcome(ReplicationReport? Report, Exception? Error, DateTimeOffset At);
}
