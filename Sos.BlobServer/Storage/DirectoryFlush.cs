namespace Sos.BlobServer.Storage;

/// <summary>
/// Where syncfs is missing or does not report write-back errors: the writers flush their files
/// through the handles that wrote them, and the batch shares only the directory flushes.
/// </summary>
internal sealed class DirectoryFlush : IBatchFlush
{
    public bool CoversFileBytes => false;

    public void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories)
    {
        foreach (var directory in directories)
        {
            FsyncCommitter.FlushDirectory(directory);
        }
    }

    public void Dispose()
    {
    }
}
