using Microsoft.Net.Http.Headers;
using Sos.BlobServer.Storage;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.BlobServer.Blobs;

/// <summary>
/// A whole copy, checked while it streams: chunk by chunk against the sums recorded when it was
/// written (each chunk is checked before any of its bytes go out), or, for a copy written before
/// those sums existed, against its id by SHA-1 (the last bytes go out only once the hash
/// matches). When a check fails the copy is quarantined and the connection aborted, so the reader
/// gets a short body (or no answer at all, when the first chunk is bad) and never a clean 200
/// with wrong bytes. Only the file that was read is quarantined: a good copy renamed into place
/// during the read stays.
/// </summary>
internal sealed partial class VerifiedBlobResult(StoredBlob blob, string contentType, BlobStore store) : IResult, IStatusCodeHttpResult
{
    // Four chunks per read, check and socket write at first, and up to sixteen for a reader that
    // keeps up: few system calls to pass a large copy on at memory speed, while a reader that
    // stalls early holds no more than the first in the response's buffer. All reads share 32 MiB
    // for the growth (see PipeCopy), so many stalled readers cannot hold a MiB each.
    private const int SegmentSize = 4 * ChunkSums.ChunkSize;
    private static readonly SegmentBudget LargeSegments = new(maxSegmentSize: 16 * ChunkSums.ChunkSize, totalBytes: 32 * 1024 * 1024);

    public int? StatusCode => StatusCodes.Status200OK;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = blob.Length;
        var headers = response.GetTypedHeaders();
        headers.ETag = new EntityTagHeaderValue($"\"{blob.Id}\"");
        headers.LastModified = blob.LastModified;
        response.Headers.AcceptRanges = "bytes";
        response.Headers[VerifiedStreamHeader.Name] = blob.Chunks is null ? "sha1" : "chunks";

        // A small copy takes one of the response's own small blocks, not a large segment.
        var segmentSize = (int)Math.Clamp(blob.Length, 1, SegmentSize);
        FileIdentity? copyRead = null;
        try
        {
            await using var file = blob.OpenRead();
            copyRead = StoredBlob.IdentityOf(file);
            if (blob.Chunks is { } chunks)
            {
                var reader = new VerifiedChunkReader(file.SafeFileHandle, blob.Id, chunks);
                var offset = 0L;
                await PipeCopy.CopyAsync(async (memory, cancellationToken) =>
                {
                    var read = await reader.ReadAsync(offset, memory, cancellationToken);
                    offset += read;
                    return read;
                }, response.BodyWriter, segmentSize, httpContext.RequestAborted, LargeSegments);
            }
            else
            {
                await using var bytes = new VerifyingReadStream(file, blob.Id, blob.Length);
                await PipeCopy.CopyAsync(bytes, response.BodyWriter, segmentSize, httpContext.RequestAborted, LargeSegments);
            }
        }
        catch (CorruptCopyException ex)
        {
            var logger = httpContext.RequestServices.GetRequiredService<ILogger<VerifiedBlobResult>>();
            LogCorruptCopy(logger, blob.Id, ex.Message);
            store.Quarantine(blob.Id, copyRead);
            httpContext.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Read of {ObjectId} stopped before its last bytes: {Reason}")]
    private static partial void LogCorruptCopy(ILogger logger, ObjectId objectId, string reason);
}
