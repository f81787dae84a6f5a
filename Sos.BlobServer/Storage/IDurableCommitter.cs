namespace Sos.BlobServer.Storage;

/// <summary>
/// Makes staged writes durable and visible: flush the temp files, rename them into place,
/// flush the directory. This is the one place that decides how flushes happen, so that a
/// group commit (many writes sharing one flush) can replace it without touching the write
/// path. A write is acknowledged only after <see cref="CommitAsync"/> returns.
/// </summary>
/// <remarks>
/// A failed flush is final: the committer fails every write it covered and every write still in
/// flight, and refuses all later ones with <see cref="StoreFaultedException"/> until the process
/// restarts. Linux reports a write-back error once, so after a failure no later flush can tell
/// which bytes reached the disk.
/// </remarks>
public interface IDurableCommitter
{
    /// <summary>The flush failure that stopped this committer, or null while it takes writes.</summary>
    Exception? Fault { get; }

    /// <summary>
    /// True when the writer must flush a staged file of <paramref name="size"/> bytes through the
    /// very handle that wrote it before it closes that handle: the only flush that is sure to
    /// report a write-back error of those bytes where the committer's own flush is not.
    /// </summary>
    bool NeedsWriterFlush(long size);

    /// <summary>
    /// True when committing a write of <paramref name="size"/> bytes makes every directory entry
    /// made on the file system before it durable (a <c>syncfs</c> does), so that a shard directory
    /// made for the write needs no flush of its own.
    /// </summary>
    bool CoversNewDirectories(long size);

    Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken);
}
