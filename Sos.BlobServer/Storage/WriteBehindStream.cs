using Microsoft.Win32.SafeHandles;
using Sos.Core.Files;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Passes writes on to a file and starts the disk writing each 8 MiB as soon as it is written,
/// while the rest of a large copy still arrives. Left to itself the kernel starts write-back
/// late on a machine with much memory, and the final flush of a large copy then writes all of
/// it at once, after the last byte came in; started early, the flush finds little left to do.
/// </summary>
internal sealed class WriteBehindStream(Stream file, SafeFileHandle handle) : PassThroughWriteStream(file)
{
    private const long Step = 8 * 1024 * 1024;

    private long _written;
    private long _started;

    protected override void Wrote(ReadOnlySpan<byte> bytes)
    {
        _written += bytes.Length;
        if (_written - _started >= Step)
        {
            Libc.StartWriteBack(handle, _started, _written - _started);
            _started = _written;
        }
    }
}
