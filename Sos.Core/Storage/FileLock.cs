using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sos.Core.Storage;

/// <summary>
/// Advisory whole-file locks, <c>flock(2)</c>: held by an open file (not by a process, as
/// <c>fcntl</c> locks and so <see cref="FileStream.Lock"/> are), so two handles in one process
/// exclude each other as two processes do, and a lock goes when its handle is closed or its process
/// dies. A shared lock taken on a handle that holds one is turned into the other kind, not added.
/// </summary>
/// <remarks>
/// .NET also takes <c>flock</c> locks of its own when it opens a file on Linux (a shared one unless
/// the file is opened with <see cref="FileShare.None"/>), and fails the open when they conflict; the
/// locks here are taken on such a handle and take its lock over. They do not depend on that
/// behaviour, which a setting can turn off.
/// </remarks>
public static partial class FileLock
{
    private const int Shared = 1;
    private const int Exclusive = 2;
    private const int NonBlocking = 4;
    private const int WouldBlock = 11; // EWOULDBLOCK

    /// <summary>Takes a shared lock, or returns false at once when another handle holds an exclusive one.</summary>
    public static bool TryShared(SafeFileHandle file) => Try(file, Shared | NonBlocking);

    /// <summary>Takes an exclusive lock, or returns false at once when another handle holds a lock.</summary>
    public static bool TryExclusive(SafeFileHandle file) => Try(file, Exclusive | NonBlocking);

    private static bool Try(SafeFileHandle file, int operation)
    {
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            if (Flock((int)file.DangerousGetHandle(), operation) == 0)
            {
                return true;
            }
            var error = Marshal.GetLastPInvokeError();
            return error == WouldBlock ? false : throw new IOException($"flock failed: {Marshal.GetPInvokeErrorMessage(error)}", error);
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static partial int Flock(int descriptor, int operation);
}
