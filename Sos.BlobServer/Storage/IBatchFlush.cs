namespace Sos.BlobServer.Storage;

/// <summary>The one flush of a group-commit cycle, shared by every write in the batch.</summary>
public interface IBatchFlush : IDisposable
{
    /// <summary>
    /// True when <see cref="Flush"/> makes the staged files' bytes durable and reports their
    /// write-back errors; false when the writers must flush them through their own handles.
    /// </summary>
    bool CoversFileBytes => true;

    /// <summary>True when <see cref="Flush"/> makes everything on the file system durable, not only the files and directories it is given.</summary>
    bool CoversFileSystem => false;

    /// <summary>
    /// Returns once the bytes of <paramref name="files"/> (when <see cref="CoversFileBytes"/>) and
    /// the entries (renames, deletions) of <paramref name="directories"/> are on disk; throws when
    /// that is not certain.
    /// </summary>
    void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories);
}
