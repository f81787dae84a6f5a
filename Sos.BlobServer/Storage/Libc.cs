using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The few libc calls .NET has no API for: flushing a file's data alone, starting write-back,
/// opening a file for direct writes, and a rename with no checks around it.
/// </summary>
internal static partial class Libc
{
    /// <summary>Turns a failed call (non-zero return) into an exception naming it and its errno.</summary>
    public static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new IOException($"{what} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Renames <paramref name="source"/> over <paramref name="destination"/>. On Linux this is
    /// <c>rename</c> alone: <c>File.Move</c> first looks up the source and the destination (is it
    /// a directory?), two <c>lstat</c> calls per move, four per copy committed, about paths the
    /// store made itself. Elsewhere it is <c>File.Move</c>.
    /// </summary>
    public static void Replace(string source, string destination)
    {
        if (!OperatingSystem.IsLinux())
        {
            File.Move(source, destination, overwrite: true);
            return;
        }
        if (Rename(source, destination) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var message = $"Cannot rename {source} to {destination} (errno {errno}).";
            throw errno == NoSuchFile ? new FileNotFoundException(message, source) : new IOException(message);
        }
    }

    private const int NoSuchFile = 2; // ENOENT

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string source, string destination);

    /// <summary>Makes a file's bytes (and its length, not its times) durable, reporting any write-back error of that file.</summary>
    public static void FlushData(SafeFileHandle file)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(file);
            return;
        }
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            Check(Fdatasync((int)file.DangerousGetHandle()), "fdatasync");
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int Fdatasync(int fd);

    /// <summary>
    /// Linux only: starts write-back of a range of a file without waiting for it
    /// (<c>SYNC_FILE_RANGE_WRITE</c>). A hint: durability still comes from the flush.
    /// </summary>
    public static void StartWriteBack(SafeFileHandle file, long offset, long count)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            _ = SyncFileRange((int)file.DangerousGetHandle(), offset, count, StartWrite);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    private const uint StartWrite = 2; // SYNC_FILE_RANGE_WRITE

    [LibraryImport("libc", EntryPoint = "sync_file_range")]
    private static partial int SyncFileRange(int fd, long offset, long count, uint flags);

    /// <summary>
    /// Creates a file that must not exist yet, for writing with <c>O_DIRECT</c>; null where that
    /// is not possible (not Linux, an architecture whose flag is not known here, or a file system
    /// that refuses direct I/O, such as some in-memory ones).
    /// </summary>
    public static SafeFileHandle? OpenDirectForWriting(string path)
    {
        var direct = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 or Architecture.X86 => 0x4000,
            Architecture.Arm64 or Architecture.Arm => 0x10000,
            _ => 0,
        };
        if (!OperatingSystem.IsLinux() || direct == 0)
        {
            return null;
        }
        const int writeOnly = 0x1, create = 0x40, exclusive = 0x80, closeOnExec = 0x80000;
        var fd = OpenWithMode(path, writeOnly | create | exclusive | closeOnExec | direct, 0b110_100_100); // rw-r--r--
        if (fd >= 0)
        {
            return new SafeFileHandle(fd, ownsHandle: true);
        }
        var errno = Marshal.GetLastPInvokeError();
        return errno == InvalidArgument ? null : throw new IOException($"Cannot create {path} (errno {errno}).");
    }

    private const int InvalidArgument = 22; // EINVAL: the file system does not take O_DIRECT

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenWithMode(string path, int flags, int mode);
}
