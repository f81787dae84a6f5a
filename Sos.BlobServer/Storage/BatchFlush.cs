namespace Sos.BlobServer.Storage;

/// <summary>The one flush of a group-commit cycle, shared by every write in the batch.</summary>
public interface IBatchFlush : IDisposable
{
    /// <summary>
    /// Returns once the bytes of <paramref name="files"/> and the entries (renames, deletions) of
    /// <paramref name="directories"/> are on disk; throws when that is not certain.
    /// </summary>
    void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories);
}

/// <summary>
/// Linux: one <c>syncfs</c> on the store's file system writes back and flushes everything dirty
/// on it, data and metadata, however large the batch. Since Linux 5.8 it also reports write-back
/// errors that happened since the descriptor was opened, so a failed write-back fails the batch.
/// </summary>
internal sealed class SyncfsFlush : IBatchFlush
{
    private int _root;

    public SyncfsFlush(string root)
    {
        _root = Libc.OpenDirectory(root);
    }

    public void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories) =>
        Libc.Check(Libc.Syncfs(_root), "syncfs of the store's file system");

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _root, -1);
        if (fd >= 0)
        {
            _ = Libc.Close(fd);
        }
    }
}

/// <summary>Where there is no syncfs: each file and each directory of the batch flushed on its own, in one pass.</summary>
internal sealed class FsyncEachFlush : IBatchFlush
{
    public void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories)
    {
        foreach (var file in files)
        {
            FsyncCommitter.FlushFile(file);
        }
        foreach (var directory in directories)
        {
            FsyncCommitter.FlushDirectory(directory);
        }
    }

    public void Dispose()
    {
    }
}
