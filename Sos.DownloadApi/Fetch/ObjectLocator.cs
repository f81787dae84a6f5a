using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using Sos.Core.BlobServers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>Where the search for an object ended: a copy, or how many servers said no or failed.</summary>
public sealed record LocateResult(BlobResponse? Copy, int Missing, int Unreachable);

/// <summary>A whole object ready to send: a copy already checked, or one that checks itself as it streams.</summary>
public sealed record WholeObject(LocateResult Located, Stream? Body);

/// <summary>
/// The read path: ask the object's preferred blob servers first (so the common case is one
/// request to one server) and fall back to the rest, skipping servers that fail.
/// </summary>
public sealed partial class ObjectLocator(BlobCluster cluster, BlobServerClient client, ObjectCache cache, ILogger<ObjectLocator> logger)
{
    /// <summary>
    /// Objects up to this size are read whole into a pooled buffer and checked before the first
    /// byte goes out, so a bad copy costs a retry on the next server and not the client's
    /// download. Larger ones are checked as they stream.
    /// </summary>
    public const int CheckFirstMaxBytes = 1024 * 1024;

    /// <summary>The first copy that answers: its headers (HEAD), a range of it, or all of it unchecked.</summary>
    public async Task<LocateResult> LocateAsync(ObjectId id, bool headersOnly, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        int missing = 0, unreachable = 0;
        foreach (var server in cluster.Rank(id))
        {
            try
            {
                DownloadApiTelemetry.BlobRequests.Add(1);
                var copy = await client.OpenAsync(server, id, headersOnly, range, cancellationToken);
                if (copy is not null)
                {
                    Activity.Current?.SetTag("sos.fetch.server", server.Name);
                    return new LocateResult(copy, missing, unreachable);
                }
                missing++;
            }
            catch (Exception ex) when (ex is HttpRequestException or BlobServerException)
            {
                unreachable++;
                DownloadApiTelemetry.Fallbacks.Add(1);
                LogServerFailed(logger, id, server.Name, ex.Message);
            }
        }
        return new LocateResult(null, missing, unreachable);
    }

    /// <summary>
    /// The whole object, checked against its id. A small copy that is bad, or cut short (its
    /// blob server aborts a copy that fails its own check), is passed over for the next server
    /// before anything is sent, and a good one is offered to the cache; a large one is returned
    /// as a stream that fails before its last bytes if they are wrong.
    /// </summary>
    public async Task<WholeObject> ReadWholeAsync(ObjectId id, CancellationToken cancellationToken)
    {
        int missing = 0, unreachable = 0;
        foreach (var server in cluster.Rank(id))
        {
            BlobResponse? copy = null;
            try
            {
                DownloadApiTelemetry.BlobRequests.Add(1);
                copy = await client.OpenAsync(server, id, headersOnly: false, range: null, cancellationToken);
                if (copy is null)
                {
                    missing++;
                    continue;
                }
                if (copy.Length is not { } length)
                {
                    throw new BlobServerException(server, copy.StatusCode, "no Content-Length on a whole copy");
                }
                var network = await copy.ReadAsync(cancellationToken);
                Stream body;
                if (length > CheckFirstMaxBytes)
                {
                    // Hashing a large object is most of the cost of passing it on; a Sos blob server
                    // already checks it as it sends and cuts it short when it is wrong, and a short
                    // body fails this read (Content-Length), so the client's download is aborted.
                    body = copy.IsVerifiedAsItStreams ? network : new VerifyingReadStream(network, id, length);
                }
                else
                {
                    var checkedCopy = await ReadCheckedAsync(network, id, (int)length, cancellationToken);
                    // Only here are the bytes known to hash to the id before anyone sees them.
                    cache.Add(id, ObjectHeaders.Of(copy), checkedCopy.Bytes);
                    body = checkedCopy;
                }
                Activity.Current?.SetTag("sos.fetch.server", server.Name);
                return new WholeObject(new LocateResult(copy, missing, unreachable), body);
            }
            catch (Exception ex) when (ex is HttpRequestException or BlobServerException or IOException)
            {
                copy?.Dispose();
                unreachable++;
                DownloadApiTelemetry.Fallbacks.Add(1);
                if (ex is CorruptCopyException)
                {
                    LogCorruptCopy(logger, id, server.Name, ex.Message);
                }
                else
                {
                    LogServerFailed(logger, id, server.Name, ex.Message);
                }
            }
        }
        return new WholeObject(new LocateResult(null, missing, unreachable), null);
    }

    private static async Task<PooledBufferStream> ReadCheckedAsync(Stream network, ObjectId id, int length, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            await using var verifying = new VerifyingReadStream(network, id, length);
            var total = 0;
            while (total < length)
            {
                total += await verifying.ReadAsync(buffer.AsMemory(total, length - total), cancellationToken);
            }
            // One more read checks an empty object's hash and that nothing follows the announced length.
            _ = await verifying.ReadAsync(buffer.AsMemory(length, Math.Min(1, buffer.Length - length)), cancellationToken);
            return new PooledBufferStream(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {ObjectId} from {Server} failed, trying the next server: {Reason}")]
    private static partial void LogServerFailed(ILogger logger, ObjectId objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The copy of {ObjectId} on {Server} is bad, trying the next server: {Reason}")]
    private static partial void LogCorruptCopy(ILogger logger, ObjectId objectId, string server, string reason);
}

/// <summary>A checked small object in a pooled buffer, which goes back to the pool with the response.</summary>
internal sealed class PooledBufferStream(byte[] buffer, int length) : MemoryStream(buffer, 0, length, writable: false, publiclyVisible: true)
{
    private byte[]? _buffer = buffer;

    /// <summary>The object's bytes, valid until the stream is disposed.</summary>
    public ReadOnlySpan<byte> Bytes => GetBuffer().AsSpan(0, (int)Length);

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _buffer, null) is { } rented)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
        base.Dispose(disposing);
    }
}
