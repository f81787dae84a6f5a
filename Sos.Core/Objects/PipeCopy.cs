using System.IO.Pipelines;

namespace Sos.Core.Objects;

/// <summary>
/// Passes bytes on by reading them straight into a response's own buffer (its
/// <see cref="PipeWriter"/>), in large segments: no buffer of the copier's own and no copy
/// between it and the socket, and one read, one flush and one socket write per segment.
/// A read that throws leaves its segment unsent (bytes are sent only once a read has returned
/// them), so a source that checks what it returns never lets wrong bytes out.
/// </summary>
public static class PipeCopy
{
    /// <summary>
    /// Copies until <paramref name="read"/> returns 0 or the reader goes away, in segments of
    /// <paramref name="segmentSize"/> bytes or, with a <paramref name="budget"/>, in segments that
    /// grow with what was passed on: each as large as all the bytes the reader has taken before
    /// it, up to the budget's largest, while the budget has the bytes beyond
    /// <paramref name="segmentSize"/> to spare. A reader that keeps up gets a large object in few,
    /// large writes; one that stops early has no more than <paramref name="segmentSize"/> held for
    /// it, and one that stops later no more than it took.
    /// </summary>
    public static async Task CopyAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, PipeWriter destination, int segmentSize, CancellationToken cancellationToken, SegmentBudget? budget = null)
    {
        var taken = 0L;
        while (true)
        {
            // What this segment may hold beyond the first size: as much as the reader took, up to the largest.
            var extra = budget is null ? 0 : (int)Math.Clamp(taken - segmentSize, 0, Math.Max(budget.MaxSegmentSize - segmentSize, 0));
            if (extra > 0 && !budget!.TryTake(extra))
            {
                extra = 0;
            }
            try
            {
                var size = segmentSize + extra;
                var memory = destination.GetMemory(size);
                var count = await read(memory[..size], cancellationToken);
                if (count == 0)
                {
                    return;
                }
                destination.Advance(count);
                // Completes once the reader (a response: its socket) has taken all but what the
                // writer may buffer ahead (64 KiB in a Kestrel response).
                var flushed = await destination.FlushAsync(cancellationToken);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    return;
                }
                taken += count;
            }
            finally
            {
                if (extra > 0)
                {
                    budget!.Return(extra);
                }
            }
        }
    }

    public static Task CopyAsync(Stream source, PipeWriter destination, int segmentSize, CancellationToken cancellationToken, SegmentBudget? budget = null) =>
        CopyAsync(source.ReadAsync, destination, segmentSize, cancellationToken, budget);
}
