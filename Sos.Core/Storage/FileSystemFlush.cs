using System.Runtime.InteropServices;

namespace Sos.Core.Storage;

/// <summary>
/// One flush for every file written on a file system: a <c>syncfs</c>, which writes back and
/// flushes everything dirty on it, data and metadata. Writers that share one (the inboxes of the
/// blob servers whose folders are on one disk) write their batches first, then each asks for its
/// write to be flushed: the first asking starts a <c>syncfs</c> that covers every write finished
/// before it, and the others find theirs covered and return at once. Only where the kernel reports
/// write-back errors to <c>syncfs</c> (see <see cref="IsReliableHere"/>); elsewhere each file is
/// flushed on its own.
/// </summary>
/// <remarks>
/// The file system is held open for the life of this object: <c>syncfs</c> reports a write-back
/// error that happened since the previous call on the same descriptor, so none between two calls
/// goes unseen. A flush that fails fails every later one, as a failed flush stops the writers it
/// was for: the error is reported once, and no later flush could vouch for the bytes.
/// </remarks>
public sealed partial class FileSystemFlush : IDisposable
{
    private static readonly Version FirstReportingKernel = new(5, 8);

    private readonly Lock _lock = new();
    private readonly Func<int, int> _syncfs;
    private int _descriptor;
    private long _written;
    private long _covered;
    private Exception? _fault;

    /// <param name="directory">A directory on the file system (it must exist).</param>
    public FileSystemFlush(string directory)
        : this(directory, Syncfs)
    {
    }

    /// <param name="directory">A directory on the file system (it must exist).</param>
    /// <param name="syncfs">The call that flushes the file system of a descriptor; tests count it, or make it fail.</param>
    internal FileSystemFlush(string directory, Func<int, int> syncfs)
    {
        _syncfs = syncfs;
        _descriptor = DirectorySync.OpenDirectory(directory);
    }

    /// <summary>
    /// Before Linux 5.8 <c>syncfs</c> returned 0 even when write-back had failed, so a batch could
    /// be acknowledged over lost bytes; only a per-file flush through the writing handle is safe there.
    /// </summary>
    public static bool ReportsWriteBackErrors(Version kernel) => kernel >= FirstReportingKernel;

    /// <summary>Whether this process may flush a file system at once (on Linux .NET reports the kernel's version).</summary>
    public static bool IsReliableHere() => OperatingSystem.IsLinux() && ReportsWriteBackErrors(Environment.OSVersion.Version);

    /// <summary>Notes that a write on this file system has finished: the ticket to pass to <see cref="Flush"/>.</summary>
    public long Wrote() => Interlocked.Increment(ref _written);

    /// <summary>
    /// Returns once the write <paramref name="ticket"/> stands for is durable: at once when a
    /// <c>syncfs</c> begun after it has returned, else after one begun now. Throws
    /// <see cref="IOException"/> when that flush, or any before it, failed.
    /// </summary>
    public void Flush(long ticket)
    {
        lock (_lock)
        {
            if (_fault is { } fault)
            {
                throw new IOException("An earlier flush of this file system failed; none vouches for its writes since.", fault);
            }
            if (_covered >= ticket)
            {
                return;
            }
            // Every write numbered up to here had finished before the syncfs begins.
            var upTo = Interlocked.Read(ref _written);
            ObjectDisposedException.ThrowIf(_descriptor < 0, this);
            if (_syncfs(_descriptor) != 0)
            {
                _fault = new IOException($"syncfs failed ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}).");
                throw _fault;
            }
            _covered = upTo;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            DirectorySync.CloseDescriptor(_descriptor);
            _descriptor = -1;
        }
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    internal static partial int Syncfs(int descriptor);
}
