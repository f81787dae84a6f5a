using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Group commit: concurrent writes share their flushes. A write needs two: one makes its temp
/// files' bytes durable before they are renamed into place, one makes the renames durable. One
/// loop owns all flushing and pipelines the two, so that every cycle does a single flush:
/// <list type="number">
/// <item>flush;</item>
/// <item>acknowledge the writes renamed in the previous cycle (this flush made their renames durable);</item>
/// <item>rename the writes staged before this flush (it made their bytes durable); they wait for the next one.</item>
/// </list>
/// Writes that arrive during a flush wait for the next cycle. A write is never acknowledged
/// before both flushes that cover it have completed. (Small copies that arrive in batches do not
/// come here: they go to the small-object log, one flush per batch.)
/// </summary>
/// <remarks>
/// <para>
/// A failed flush stops the committer for good (until a restart): Linux reports a write-back
/// error once, to the first flush after it, so a later flush that succeeds says nothing about
/// bytes that were dirty at the time. The failed cycle's writes, the writes queued behind it and
/// the large writes in flight all fail; every later write is refused with
/// <see cref="StoreFaultedException"/>, the server answers 503 and reports itself unhealthy, and
/// uploads hand their copies off to other servers.
/// </para>
/// <para>
/// Objects larger than <see cref="BlobStoreOptions.GroupCommitMaxBytes"/> take the
/// <see cref="FsyncCommitter"/> path instead: on Linux the shared flush is a syncfs, which writes
/// out everything dirty on the file system (the upload API's spool of a big upload among it,
/// which otherwise never needs to reach the disk), and a big object's own fsync dominates its
/// cost anyway.
/// </para>
/// </remarks>
public sealed partial class GroupCommitter : IDurableCommitter, IAsyncDisposable, IDisposable
{
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IBatchFlush _flush;
    private readonly long _maxBytes;
    private readonly FsyncCommitter _alone = new();
    private readonly ILogger _logger;
    private readonly Task _loop;
    private Exception? _fault;

    public GroupCommitter(IOptions<BlobStoreOptions> options, ILogger<GroupCommitter> logger)
        : this(CreateFlush(Path.GetFullPath(options.Value.Root)), options.Value.GroupCommitMaxBytes, logger)
    {
    }

    /// <summary>With a flush of the caller's choosing (tests hold it on a gate, or make it fail).</summary>
    internal GroupCommitter(IBatchFlush flush, long maxBytes, ILogger logger)
    {
        _flush = flush;
        _maxBytes = maxBytes;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public Exception? Fault => Volatile.Read(ref _fault);

    public bool NeedsWriterFlush(long size) => size > _maxBytes || !_flush.CoversFileBytes;

    public bool CoversNewDirectories(long size) => size <= _maxBytes && _flush.CoversFileSystem;

    public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (Fault is { } fault)
        {
            return Task.FromException(new StoreFaultedException(fault));
        }
        if (staged.Size > _maxBytes)
        {
            return CommitAloneAsync(staged, cancellationToken);
        }
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }
        var write = new PendingWrite(staged);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), this);
        // Once queued, the request's token is deliberately not watched: the loop owns the temp
        // files until it acknowledges or fails the write, within two flushes. Giving up earlier
        // would let the store delete temp files the loop is about to rename, leaving a copy half
        // swapped in (its metadata without its bytes) for nothing saved.
        return write.Done.Task;
    }

    /// <summary>Finishes (or fails) every queued write with the flushes they need, then closes the flush.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _flush.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static IBatchFlush CreateFlush(string root)
    {
        // The store creates its root too (durably), but it is built after its committer.
        Directory.CreateDirectory(root);
        return FileSystemFlush.IsReliableHere() ? new SyncfsFlush(root) : new DirectoryFlush();
    }

    /// <summary>A large write flushes on its own, but a flush failure anywhere fails it too.</summary>
    private async Task CommitAloneAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        try
        {
            await _alone.CommitAsync(staged, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex) when (_alone.Fault is not null)
        {
            Stop(ex);
            throw new StoreFaultedException(ex);
        }
        if (Fault is { } fault)
        {
            throw new StoreFaultedException(fault);
        }
    }

    /// <summary>Records the first failure; from then on every write is refused.</summary>
    private void Stop(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _fault, failure, null) is null)
        {
            LogStopped(_logger, failure);
        }
    }

    private async Task RunAsync()
    {
        var staged = new List<PendingWrite>();
        var renamed = new List<PendingWrite>();
        // The flush blocks the one pool thread this loop runs on: one thread for all writes,
        // where FsyncCommitter blocks one per write.
        // Renamed writes still need the next flush; otherwise wait for work without spinning.
        // WaitToReadAsync is false only once the queue is closed and empty, so disposal ends the
        // loop after every write it had taken in was answered.
        while (renamed.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (_queue.Reader.TryRead(out var write))
            {
                if (Fault is { } fault)
                {
                    // In flight when the flush failed: its bytes may have been in that write-back.
                    write.Done.TrySetException(new StoreFaultedException(fault));
                    continue;
                }
                staged.Add(write);
            }
            if (staged.Count > 0 || renamed.Count > 0)
            {
                RunCycle(staged, renamed);
            }
        }
    }

    /// <summary>One flush for the batch; on return <paramref name="staged"/> is empty and <paramref name="renamed"/> holds what this cycle renamed.</summary>
    private void RunCycle(List<PendingWrite> staged, List<PendingWrite> renamed)
    {
        try
        {
            Flush(staged, renamed);
        }
        catch (Exception ex)
        {
            // Nothing this flush covered is acknowledged. Staged writes fail with their temp files
            // still in .tmp, which the store deletes (its finally). Renamed writes stay in place:
            // their files are whole and were checked against their id (every read and the scrub
            // check them again), only their durability is uncertain, so they fail like a copy that
            // lands after its upload gave up. Writes queued meanwhile fail as the loop reads them.
            LogFlushFailed(_logger, staged.Count + renamed.Count, ex);
            Stop(ex);
            foreach (var write in staged.Concat(renamed))
            {
                write.Done.TrySetException(ex);
            }
            staged.Clear();
            renamed.Clear();
            return;
        }
        foreach (var write in renamed)
        {
            write.Done.TrySetResult();
        }
        renamed.Clear();
        foreach (var write in staged)
        {
            try
            {
                write.Staged.MoveIntoPlace();
                renamed.Add(write);
            }
            catch (Exception ex)
            {
                write.Done.TrySetException(ex);
            }
        }
        staged.Clear();
    }

    private void Flush(List<PendingWrite> staged, List<PendingWrite> renamed)
    {
        var files = staged.SelectMany(write => write.Staged.TempFiles).ToList();
        var directories = renamed.Select(write => Path.GetDirectoryName(write.Staged.FinalData)!).ToHashSet(StringComparer.Ordinal);
        if (staged.Count > 0)
        {
            BlobServerTelemetry.CommitBatchSize.Record(staged.Count);
        }
        var started = Stopwatch.GetTimestamp();
        try
        {
            _flush.Flush(files, directories);
        }
        finally
        {
            BlobServerTelemetry.CommitFlushDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    /// <summary>A queued write and the answer its caller awaits.</summary>
    private sealed class PendingWrite(StagedBlob staged)
    {
        public StagedBlob Staged { get; } = staged;

        // Callers continue on the pool, never inside the loop's cycle.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "A flush of the store's disk failed: this blob server takes no writes until it is restarted")]
    private static partial void LogStopped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A group-commit flush failed; the {Writes} writes it covered failed with it")]
    private static partial void LogFlushFailed(ILogger logger, int writes, Exception exception);
}
