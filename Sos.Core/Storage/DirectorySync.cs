using System.Runtime.InteropServices;

namespace Sos.Core.Storage;

/// <summary>Makes a directory's entries durable: a file created, renamed or deleted in it survives a crash only once its directory is flushed.</summary>
public static partial class DirectorySync
{
    private const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY

    public static void Flush(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // NTFS journals its directory changes; there is no directory handle to flush.
        }
        var fd = OpenDirectory(directory);
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory {directory} failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>A descriptor of <paramref name="directory"/>, read-only; throws <see cref="IOException"/> when it cannot be opened.</summary>
    internal static int OpenDirectory(string directory)
    {
        var fd = Open(directory, ReadOnlyDirectory);
        return fd >= 0 ? fd
            : throw new IOException($"Cannot open directory {directory} ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");
    }

    /// <summary>Closes a descriptor from <see cref="OpenDirectory"/>; a negative one is no descriptor.</summary>
    internal static void CloseDescriptor(int descriptor)
    {
        if (descriptor >= 0)
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
