using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sos.Core.Storage;

/// <summary>Which file on the machine: a path can be renamed over, a (device, inode) pair cannot.</summary>
public readonly partial record struct FileIdentity(uint DeviceMajor, uint DeviceMinor, ulong Inode)
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const int EmptyPath = 0x1000; // AT_EMPTY_PATH: statx of the descriptor itself
    private const uint BasicStats = 0x7ff; // STATX_BASIC_STATS
    private const int StatxSize = 256; // sizeof(struct statx), the same on every architecture

    /// <summary>The file an open handle reads, or null where that cannot be told (not Linux).</summary>
    public static FileIdentity? Of(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return Statx((int)handle.DangerousGetHandle(), "", EmptyPath);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>The file a path names now, null when there is none (or where that cannot be told).</summary>
    public static FileIdentity? Of(string path) => OperatingSystem.IsLinux() ? Statx(CurrentDirectory, path, 0) : null;

    private static FileIdentity? Statx(int directory, string path, int flags)
    {
        // struct statx: stx_ino at byte 32, stx_dev_major and stx_dev_minor at 136 and 140.
        Span<byte> buffer = stackalloc byte[StatxSize];
        if (StatxCall(directory, path, flags, BasicStats, buffer) != 0)
        {
            return null;
        }
        return new FileIdentity(BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]), BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]));
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxCall(int directory, string path, int flags, uint mask, Span<byte> buffer);
}
