using System.IO.Pipelines;
using Sos.Core.Files;
using Sos.Core.Placement;

namespace Sos.Core.Cluster;

/// <summary>
/// Copies of an object written while its body still arrives: each copy reads its own pipe, and
/// whatever is written to <see cref="Body"/> goes to every copy still going. A copy that fails or
/// falls behind its deadline stops taking bytes; the others go on. Memory stays at about 1 MiB per
/// copy, however large the object: a full pipe holds the writer back until its copy has read.
/// </summary>
public sealed class StreamedCopies
{
    /// <summary>
    /// How far a copy may fall behind the body before the body waits for it, in 64 KiB segments.
    /// A 4 MiB window of the pipe's default 4 KiB segments raised the upload API's peak memory by
    /// 30 MB over streamed 1 GiB uploads (144 MB against 113 with this window) and was no faster.
    /// </summary>
    private static readonly PipeOptions Window = new(pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024, minimumSegmentSize: 64 * 1024, useSynchronizationContext: false);

    private readonly List<(BlobServer Server, Pipe Pipe, Task<CopyWrite> Write)> _copies = [];

    internal StreamedCopies(IEnumerable<BlobServer> servers, Func<BlobServer, Stream, Task<CopyWrite>> write)
    {
        foreach (var server in servers)
        {
            var pipe = new Pipe(Window);
            _copies.Add((server, pipe, WriteAndStopAsync(pipe, server, write)));
        }
        Body = new ForkStream([.. _copies.Select(copy => copy.Pipe.Writer)]);
    }

    /// <summary>The stream the body is written to: each write goes to every copy still going.</summary>
    public Stream Body { get; }

    /// <summary>
    /// Ends every copy's body (with <paramref name="failure"/>, when the body broke off, so that no
    /// copy completes) and waits for the copies: which servers have theirs, durably, and which failed.
    /// </summary>
    public async Task<FanOutResult> CompleteAsync(Exception? failure = null)
    {
        foreach (var (_, pipe, _) in _copies)
        {
            await pipe.Writer.CompleteAsync(failure);
        }
        var written = new List<BlobServer>();
        var failures = new List<(BlobServer, Exception)>();
        foreach (var (server, _, write) in _copies)
        {
            var copy = await write;
            if (copy.Written)
            {
                written.Add(server);
            }
            else
            {
                failures.Add((server, new CopyNotWrittenException(copy.Failure ?? "failed")));
            }
        }
        return new FanOutResult(written, failures);
    }

    private static async Task<CopyWrite> WriteAndStopAsync(Pipe pipe, BlobServer server, Func<BlobServer, Stream, Task<CopyWrite>> write)
    {
        // Off the caller's thread: the write only starts reading once the body flows.
        await Task.Yield();
        CopyWrite result;
        try
        {
            result = await write(server, pipe.Reader.AsStream());
        }
        catch (Exception ex)
        {
            result = new CopyWrite(false, ex.Message);
        }
        // A copy that ended, however, takes no more bytes: the body's writes to it are dropped.
        await pipe.Reader.CompleteAsync();
        return result;
    }

    /// <summary>Writes to each copy's pipe that is still read; there is nothing beneath it.</summary>
    private sealed class ForkStream(List<PipeWriter> copies) : PassThroughWriteStream(Null)
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            for (var i = copies.Count - 1; i >= 0; i--)
            {
                FlushResult flushed;
                try
                {
                    flushed = await copies[i].WriteAsync(buffer, cancellationToken);
                }
                catch (InvalidOperationException)
                {
                    flushed = new FlushResult(isCanceled: false, isCompleted: true); // its copy already ended
                }
                if (flushed.IsCompleted)
                {
                    copies.RemoveAt(i);
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();
    }
}
