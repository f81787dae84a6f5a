using System.Runtime.InteropServices;

namespace Sos.BlobServer.Storage;

/// <summary>A written, hashed object waiting to become durable under its real name.</summary>
public sealed record StagedBlob(string TempData, string TempMetadata, string FinalData, string FinalMetadata);

/// <summary>
/// Makes staged writes durable and visible: flush the temp files, rename them into place,
/// flush the directory. This is the one place that decides how flushes happen, so that a
/// group commit (many writes sharing one flush) can replace it without touching the write
/// path. A write is acknowledged only after <see cref="CommitAsync"/> returns.
/// </summary>
public interface IDurableCommitter
{
    Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken);
}

/// <summary>Flushes every write on its own: simple and correct, one fsync chain per object.</summary>
public sealed partial class FsyncCommitter : IDurableCommitter
{
    public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        // Flushing is blocking I/O; keep it off the request threads' way.
        return Task.Run(() =>
        {
            FlushFile(staged.TempData);
            FlushFile(staged.TempMetadata);
            // Metadata first: a reader that finds the data always finds its metadata.
            File.Move(staged.TempMetadata, staged.FinalMetadata, overwrite: true);
            File.Move(staged.TempData, staged.FinalData, overwrite: true);
            FlushDirectory(Path.GetDirectoryName(staged.FinalData)!);
        }, cancellationToken);
    }

    private static void FlushFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        file.Flush(flushToDisk: true);
    }

    /// <summary>A rename is durable only once its directory is flushed.</summary>
    internal static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals renames; there is no directory handle to flush.
        }
        var fd = Open(directory, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
