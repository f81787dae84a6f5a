using System.Buffers;
using Sos.Core.Objects;

namespace Sos.UploadApi.Uploads;

/// <summary>
/// An upload's body, received whole and hashed (the id picks the servers, so it must be known
/// before the first copy goes out), held until its copies are written. A small body whose
/// length was announced stays in a pooled buffer: no file to create, write back and delete for
/// each of the many small uploads. Anything else is spooled to a temp file, so memory stays flat
/// for objects of any size.
/// </summary>
public abstract class ReceivedBody : IAsyncDisposable
{
    private ReceivedBody(HashedContent content) => Content = content;

    public HashedContent Content { get; }

    /// <summary>A new stream over the whole body; copies read through their own, in parallel.</summary>
    public abstract Stream OpenReader();

    public abstract ValueTask DisposeAsync();

    public static async Task<ReceivedBody> ReceiveAsync(Stream body, long? announcedLength, UploadOptions options, CancellationToken cancellationToken)
    {
        if (announcedLength is { } length && length <= options.InMemoryMaxBytes && length <= options.MaxObjectBytes)
        {
            return await InMemory.ReceiveAsync(body, (int)length, cancellationToken);
        }
        return await Spooled.ReceiveAsync(body, options, cancellationToken);
    }

    /// <summary>
    /// Receives a body that is not held: hashed as it passes on to <paramref name="destination"/>
    /// (the copies that stream while it arrives), within the size limit.
    /// </summary>
    public static Task<HashedContent> PassOnAsync(Stream body, Stream destination, UploadOptions options, CancellationToken cancellationToken) =>
        HashingCopy.CopyAsync(body, destination, options.MaxObjectBytes, cancellationToken, CountReceived);

    /// <summary>
    /// Every body byte that arrived, counted as it is read, whatever becomes of the upload: what
    /// clients really sent, where <c>sos.upload.bytes</c> counts only what was stored.
    /// </summary>
    private static void CountReceived(int bytes) => UploadApiTelemetry.BytesReceived.Add(bytes);

    private sealed class InMemory(HashedContent content, byte[] buffer) : ReceivedBody(content)
    {
        private byte[]? _buffer = buffer;

        public static async Task<ReceivedBody> ReceiveAsync(Stream body, int length, CancellationToken cancellationToken)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                // The server holds the body to its announced length, so it always fits.
                using var destination = new MemoryStream(buffer, 0, length, writable: true);
                var content = await HashingCopy.CopyAsync(body, destination, length, cancellationToken, CountReceived);
                return new InMemory(content, buffer);
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(buffer);
                throw;
            }
        }

        public override Stream OpenReader() =>
            new MemoryStream(_buffer ?? throw new ObjectDisposedException(nameof(ReceivedBody)), 0, (int)Content.Size, writable: false);

        public override ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } rented)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Spooled(HashedContent content, FileStream spool) : ReceivedBody(content)
    {
        public static async Task<ReceivedBody> ReceiveAsync(Stream body, UploadOptions options, CancellationToken cancellationToken)
        {
            // Made here, by the uploads that spool, not by every upload: the directory may have been
            // removed since the last one (a temp directory cleaned up under a running service).
            var path = Path.Combine(Directory.CreateDirectory(options.SpoolPath).FullName, Guid.NewGuid().ToString("N"));
            // DeleteOnClose: whatever happens to the request, the spool file goes when it ends.
            var spool = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
            try
            {
                var content = await HashingCopy.CopyAsync(body, spool, options.MaxObjectBytes, cancellationToken, CountReceived);
                await spool.FlushAsync(cancellationToken);
                return new Spooled(content, spool);
            }
            catch
            {
                await spool.DisposeAsync();
                throw;
            }
        }

        public override Stream OpenReader() =>
            new FileStream(spool.Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);

        public override ValueTask DisposeAsync() => spool.DisposeAsync();
    }
}
