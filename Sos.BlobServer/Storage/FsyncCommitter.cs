using Sos.Core.Storage;
namespace Sos.BlobServer.Storage;

/// <summary>
/// Flushes every write on its own: the writer has flushed the staged files through the handles
/// that wrote them; this renames them into place and flushes the directory.
/// </summary>
public sealed class FsyncCommitter : IDurableCommitter
{
    private Exception? _fault;

    public Exception? Fault => Volatile.Read(ref _fault);

    public bool NeedsWriterFlush(long size) => true;

    public bool CoversNewDirectories(long size) => false;

    public async Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (Fault is { } fault)
        {
            throw new StoreFaultedException(fault);
        }
        try
        {
            // Flushing is blocking I/O; keep it off the request threads' way.
            await Task.Run(() =>
            {
                staged.MoveIntoPlace();
                FlushDirectory(Path.GetDirectoryName(staged.FinalData)!);
            }, cancellationToken);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            Interlocked.CompareExchange(ref _fault, ex, null);
            throw;
        }
    }

    /// <summary>A rename (or deletion, or creation) is durable only once its directory is flushed.</summary>
    internal static void FlushDirectory(string directory) => DirectorySync.Flush(directory);
}
