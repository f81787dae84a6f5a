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
    /// <paramref name="segmentSize"/> bytes or, when <paramref name="maxSegmentSize"/> is larger,
    /// in segments that grow with what was passed on: each as large as all the bytes the reader has
    /// taken before it, up to <paramref name="maxSegmentSize"/>. A reader that keeps up gets a
    /// large object in few, large writes; one that stops early has no more than
    /// <paramref name="segmentSize"/> held for it, and one that stops later no more than it took.
    /// </summary>
    public static async Task CopyAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, PipeWriter destination, int segmentSize, CancellationToken cancellationToken, int maxSegmentSize = 0)
    {
        var largest = Math.Max(segmentSize, maxSegmentSize);
        var taken = 0L;
        while (true)
        {
            var size = (int)Math.Clamp(taken, segmentSize, largest);
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
    }

    public static Task CopyAsync(Stream source, PipeWriter destination, int segmentSize, CancellationToken cancellationToken, int maxSegmentSize = 0) =>
        CopyAsync(source.ReadAsync, destination, segmentSize, cancellationToken, maxSegmentSize);
}
