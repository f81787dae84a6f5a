using System.Diagnostics;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// A pass's counts, and the metrics that go with them. Written by the objects being repaired in
/// parallel, read by the progress line and the report.
/// </summary>
internal sealed class PassTally
{
    private long _objects;
    private long _underBefore;
    private long _misplaced;
    private long _stillUnder;
    private long _copies;
    private long _bytes;
    private long _removed;
    private long _failures;
    private long _verifiedCopies;
    private long _verifiedBytes;
    private long _badCopies;
    private long _beyondVerifyBudget;
    private ulong _unlisted;

    public long Objects => Interlocked.Read(ref _objects);

    public long UnderBefore => Interlocked.Read(ref _underBefore);

    public long Misplaced => Interlocked.Read(ref _misplaced);

    public long StillUnder => Interlocked.Read(ref _stillUnder);

    public long Copies => Interlocked.Read(ref _copies);

    public long Bytes => Interlocked.Read(ref _bytes);

    public long Removed => Interlocked.Read(ref _removed);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Copies their servers verified by hash in this pass.</summary>
    public long VerifiedCopies => Interlocked.Read(ref _verifiedCopies);

    public long VerifiedBytes => Interlocked.Read(ref _verifiedBytes);

    /// <summary>Copies found bad (and quarantined by their servers) in this pass.</summary>
    public long BadCopies => Interlocked.Read(ref _badCopies);

    /// <summary>Objects a <c>--verify</c> pass counted by listing only, its byte budget being spent.</summary>
    public long BeyondVerifyBudget => Interlocked.Read(ref _beyondVerifyBudget);

    /// <summary>Servers whose listing failed so far.</summary>
    public ulong Unlisted => Interlocked.Read(ref _unlisted);

    public void Listed()
    {
        Interlocked.Increment(ref _objects);
        ReplicatorTelemetry.ObjectsScanned.Add(1);
    }

    public void Unlist(ulong server) => Interlocked.Or(ref _unlisted, server);

    public void FoundUnderReplicated() => Interlocked.Increment(ref _underBefore);

    public void FoundMisplaced() => Interlocked.Increment(ref _misplaced);

    public void StillUnderReplicated() => Interlocked.Increment(ref _stillUnder);

    public void Copied(BlobServer target, long bytes)
    {
        Interlocked.Increment(ref _copies);
        Interlocked.Add(ref _bytes, bytes);
        var tags = new TagList { { "sos.target", target.Name } };
        ReplicatorTelemetry.Copies.Add(1, tags);
        ReplicatorTelemetry.Bytes.Add(bytes, tags);
    }

    public void RemovedCopy(BlobServer server)
    {
        Interlocked.Increment(ref _removed);
        ReplicatorTelemetry.Removed.Add(1, new KeyValuePair<string, object?>("sos.server", server.Name));
    }

    public void Verified(long bytes)
    {
        Interlocked.Increment(ref _verifiedCopies);
        Interlocked.Add(ref _verifiedBytes, bytes);
        ReplicatorTelemetry.VerifiedBytes.Add(bytes);
    }

    public void FoundBadCopy(BlobServer server)
    {
        Interlocked.Increment(ref _badCopies);
        ReplicatorTelemetry.BadCopies.Add(1, new KeyValuePair<string, object?>("sos.server", server.Name));
    }

    public void LeftUnverified() => Interlocked.Increment(ref _beyondVerifyBudget);

    /// <summary>A dry run counts the copies it would make, but they are not copies for the metrics.</summary>
    public void WouldCopy(int copies) => Interlocked.Add(ref _copies, copies);

    public void WouldRemove(int copies) => Interlocked.Add(ref _removed, copies);

    public void Failed(string what)
    {
        Interlocked.Increment(ref _failures);
        ReplicatorTelemetry.Failures.Add(1, new KeyValuePair<string, object?>("sos.failure", what));
    }
}
