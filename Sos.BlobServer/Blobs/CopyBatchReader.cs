using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.BlobServer.Blobs;

/// <summary>
/// Reads the parts of a copy batch (<see cref="CopyBatch"/>) before any is stored, so that a
/// malformed batch stores nothing: a body that is not <c>multipart/mixed</c>, a part without a
/// valid id or with an invalid timestamp, too many parts or too large a part is refused whole.
/// </summary>
internal static class CopyBatchReader
{
    /// <summary>The copies of the batch, or why it was refused (and nothing was stored).</summary>
    public static async Task<(List<BatchedCopy> Copies, string? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var copies = new List<BatchedCopy>();
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            || !type.MediaType.Equals("multipart/mixed", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary) is not { Length: > 0 and <= 70 } boundary)
        {
            return (copies, "A copy batch is multipart/mixed, with a boundary.");
        }
        var reader = new MultipartReader(boundary.Value!, request.Body)
        {
            BodyLengthLimit = CopyBatch.MaxCopyBytes,
            HeadersCountLimit = 128,
            HeadersLengthLimit = 64 * 1024,
        };
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (copies.Count == CopyBatch.MaxCopies)
                {
                    return (copies, $"A copy batch carries at most {CopyBatch.MaxCopies} copies.");
                }
                var headers = new Dictionary<string, StringValues>(section.Headers ?? [], StringComparer.OrdinalIgnoreCase);
                if (!headers.TryGetValue(CopyBatch.IdHeader, out var idText) || !ObjectId.TryParse(idText.ToString(), out var id))
                {
                    return (copies, $"Every part of a copy batch names its object in {CopyBatch.IdHeader}: 40 lowercase hex characters.");
                }
                HybridTimestamp? stamp = null;
                if (headers.TryGetValue(HybridTimestamp.Header, out var stampText) && !HybridTimestamp.TryParse(stampText.ToString(), out stamp))
                {
                    return (copies, $"{HybridTimestamp.Header} must be a timestamp in decimal UTC ticks.");
                }
                using var bytes = new MemoryStream();
                await section.Body.CopyToAsync(bytes, cancellationToken);
                headers.TryGetValue(CopyBatch.TraceParentHeader, out var traceParent);
                copies.Add(new BatchedCopy(id, bytes.ToArray(), ObjectMetadata.FromHeaders(headers), stamp, traceParent.Count > 0 ? traceParent.ToString() : null));
            }
        }
        catch (InvalidDataException ex)
        {
            // The reader's own refusals: a part over the size limit, too many headers, a broken frame.
            return (copies, $"A malformed copy batch: {ex.Message}");
        }
        catch (IOException ex)
        {
            // A body that ends before its closing boundary: no part of it is stored.
            return (copies, $"A copy batch that broke off: {ex.Message}");
        }
        return (copies, null);
    }
}
