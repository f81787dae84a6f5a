using System.Buffers;
using Microsoft.Net.Http.Headers;
using Sos.BlobServer.Storage;
using Sos.Core.BlobServers;
using Sos.Core.Objects;

namespace Sos.BlobServer.Blobs;

/// <summary>
/// A whole copy, checked against its id while it streams. The last bytes go out only once the
/// hash matches; when it does not, the copy is quarantined and the connection aborted, so the
/// reader gets a short body and never a clean 200 with wrong bytes. Only the file that was read
/// is quarantined: a good copy renamed into place during the read stays.
/// </summary>
internal sealed partial class VerifiedBlobResult(StoredBlob blob, string contentType, BlobStore store) : IResult, IStatusCodeHttpResult
{
    private const int BufferSize = 128 * 1024;

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
        response.Headers[VerifiedStreamHeader.Name] = "sha1";

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        FileIdentity? copyRead = null;
        try
        {
            await using var file = blob.OpenRead();
            copyRead = StoredBlob.IdentityOf(file);
            await using var bytes = new VerifyingReadStream(file, blob.Id, blob.Length);
            int read;
            while ((read = await bytes.ReadAsync(buffer.AsMemory(0, BufferSize), httpContext.RequestAborted)) > 0)
            {
                await response.Body.WriteAsync(buffer.AsMemory(0, read), httpContext.RequestAborted);
            }
        }
        catch (CorruptCopyException ex)
        {
            var logger = httpContext.RequestServices.GetRequiredService<ILogger<VerifiedBlobResult>>();
            LogCorruptCopy(logger, blob.Id, ex.Message);
            store.Quarantine(blob.Id, copyRead);
            httpContext.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Read of {ObjectId} stopped before its last bytes: {Reason}")]
    private static partial void LogCorruptCopy(ILogger logger, ObjectId objectId, string reason);
}
