using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Linux 5.8 and later: one <c>syncfs</c> on the store's file system writes back and flushes
/// everything dirty on it, data and metadata, however large the batch (see <see cref="FileSystemFlush"/>,
/// which holds the file system open for the life of the store, so no write-back error between two
/// flushes goes unseen).
/// </summary>
internal sealed class SyncfsFlush(string root) : IBatchFlush
{
    private readonly FileSystemFlush _fileSystem = new(root);

    public bool CoversFileSystem => true;

    public void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories) =>
        _fileSystem.Flush(_fileSystem.Wrote());

    public void Dispose() => _fileSystem.Dispose();
}
