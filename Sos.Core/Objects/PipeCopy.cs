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
    /// <summary>Copies until <paramref name="read"/> returns 0 or the reader goes away.</summary>
    public static async Task CopyAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read, PipeWriter destination, int segmentSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var memory = destination.GetMemory(segmentSize);
            var count = await read(memory[..segmentSize], cancellationToken);
            if (count == 0)
            {
                return;
            }
            destination.Advance(count);
            var flushed = await destination.FlushAsync(cancellationToken);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }
    }

    public static Task CopyAsync(Stream source, PipeWriter destination, int segmentSize, CancellationToken cancellationToken) =>
        CopyAsync(source.ReadAsync, destination, segmentSize, cancellationToken);
}
