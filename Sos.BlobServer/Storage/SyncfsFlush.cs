namespace Sos.BlobServer.Storage;

/// <summary>
/// Linux 5.8 and later: one <c>syncfs</c> on the store's file system writes back and flushes
/// everything dirty on it, data and metadata, however large the batch, and reports a write-back
/// error that happened since the previous call on the same descriptor. The descriptor is opened
/// once and kept for the life of the store, so no error between two calls goes unseen.
/// </summary>
internal sealed class SyncfsFlush : IBatchFlush
{
    private static readonly Version FirstReportingKernel = new(5, 8);

    private int _root;

    public SyncfsFlush(string root)
    {
        _root = Libc.OpenDirectory(root);
    }

    /// <summary>
    /// Before 5.8 syncfs returned 0 even when write-back had failed, so a batch could be
    /// acknowledged over lost bytes; only a per-file fsync through the writing handle is safe there.
    /// </summary>
    public static bool ReportsWriteBackErrors(Version kernel) => kernel >= FirstReportingKernel;

    /// <summary>Whether this process may group its flushes by syncfs (on Linux .NET reports the kernel's version).</summary>
    public static bool IsReliableHere() => OperatingSystem.IsLinux() && ReportsWriteBackErrors(Environment.OSVersion.Version);

    public bool CoversFileSystem => true;

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
