using System.Runtime.InteropServices;

namespace Sos.BlobServer.Storage;

/// <summary>
/// A written, hashed object waiting to become durable under its real name.
/// <paramref name="TempMetadata"/> is null when the object has no metadata: no <c>.meta</c> is
/// written for it (reads take a missing one as empty).
/// </summary>
public sealed record StagedBlob(string TempData, string? TempMetadata, string FinalData, string FinalMetadata, long Size)
{
    /// <summary>The staged files whose bytes must be on disk before the renames.</summary>
    internal IEnumerable<string> TempFiles => TempMetadata is null ? [TempData] : [TempData, TempMetadata];

    /// <summary>
    /// Swaps the write in. The metadata step always comes first, so a reader that finds the new
    /// bytes finds their metadata. Without metadata that step deletes the previous write's
    /// <c>.meta</c> (last write wins): until the data rename a reader sees the bytes already in
    /// place, which are the same object (same id), with the new, empty metadata. The other order
    /// would show this write's bytes with another write's metadata for the same moment; this one
    /// keeps a single rule for both cases.
    /// </summary>
    internal void MoveIntoPlace()
    {
        if (TempMetadata is null)
        {
            File.Delete(FinalMetadata);
        }
        else
        {
            File.Move(TempMetadata, FinalMetadata, overwrite: true);
        }
        File.Move(TempData, FinalData, overwrite: true);
    }
}

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
public sealed class FsyncCommitter : IDurableCommitter
{
    public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        // Flushing is blocking I/O; keep it off the request threads' way.
        return Task.Run(() =>
        {
            foreach (var file in staged.TempFiles)
            {
                FlushFile(file);
            }
            staged.MoveIntoPlace();
            FlushDirectory(Path.GetDirectoryName(staged.FinalData)!);
        }, cancellationToken);
    }

    internal static void FlushFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        file.Flush(flushToDisk: true);
    }

    /// <summary>A rename (or deletion) is durable only once its directory is flushed.</summary>
    internal static void FlushDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals renames; there is no directory handle to flush.
        }
        var fd = Libc.OpenDirectory(directory);
        try
        {
            Libc.Check(Libc.Fsync(fd), $"fsync of directory {directory}");
        }
        finally
        {
            _ = Libc.Close(fd);
        }
    }
}

/// <summary>The few libc calls .NET has no API for: flushing a directory, or a whole file system.</summary>
internal static partial class Libc
{
    private const int ReadOnly = 0; // O_RDONLY

    /// <summary>A read-only descriptor of a directory, which is all fsync and syncfs need.</summary>
    public static int OpenDirectory(string path)
    {
        var fd = Open(path, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory {path} (errno {Marshal.GetLastPInvokeError()}).");
        }
        return fd;
    }

    /// <summary>Turns a failed call (non-zero return) into an exception naming it and its errno.</summary>
    public static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"{what} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    /// <summary>Linux only: writes back and flushes the whole file system that holds <paramref name="fd"/>.</summary>
    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
