namespace Sos.Core.Objects;

/// <summary>
/// How large the segments of a <see cref="PipeCopy"/> may grow, and how many bytes beyond their
/// first size all the copies sharing this budget may hold at once. A reader that keeps up gets
/// large segments while the budget lasts; past it, every copy goes on at its first size, so the
/// memory a process holds for its readers stays bounded however many of them stall.
/// </summary>
public sealed class SegmentBudget(int maxSegmentSize, long totalBytes)
{
    private long _available = totalBytes;

    /// <summary>The largest a segment may grow.</summary>
    public int MaxSegmentSize { get; } = maxSegmentSize;

    /// <summary>Bytes not taken at the moment.</summary>
    public long Available => Interlocked.Read(ref _available);

    /// <summary>Takes <paramref name="bytes"/> when that many are left, else nothing.</summary>
    public bool TryTake(int bytes)
    {
        if (Interlocked.Add(ref _available, -bytes) >= 0)
        {
            return true;
        }
        Interlocked.Add(ref _available, bytes);
        return false;
    }

    public void Return(int bytes) => Interlocked.Add(ref _available, bytes);
}
