using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Core.BlobServers;

/// <summary>The reply of a blob server to a stored blob, and of the upload API to an upload.</summary>
public sealed record StoredObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("status")] string Status);

/// <summary>
/// The typed client of the blob-server wire API (the original sos blob-server's, plus paging).
/// Servers are addressed by their service-discovery address, resolved per request.
/// </summary>
public sealed class BlobServerClient(HttpClient http)
{
    /// <summary>Stores a copy; returns when the server has made it durable, throws otherwise.</summary>
    public async Task StoreAsync(BlobServer server, ObjectId id, Stream content, long length, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        using var body = new StreamContent(content);
        body.Headers.ContentLength = length;
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, BlobUri(server, id)) { Content = body };
        foreach (var (name, value) in metadata)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(server, response, cancellationToken);
        var stored = await response.Content.ReadFromJsonAsync<StoredObject>(cancellationToken);
        if (stored is null || stored.Id != id.ToString() || stored.Size != length)
        {
            throw new BlobServerException(server, response.StatusCode, $"unexpected reply to storing {id}");
        }
    }

    /// <summary>
    /// Opens a copy for reading (GET) or only its headers (HEAD). Null when the server does
    /// not have it; throws when the server fails.
    /// </summary>
    public Task<BlobResponse?> OpenAsync(BlobServer server, ObjectId id, bool headersOnly, CancellationToken cancellationToken) =>
        OpenAsync(server, id, headersOnly, range: null, cancellationToken);

    /// <summary>
    /// Opens a copy, or one byte range of it (<paramref name="range"/> is a single
    /// <c>bytes=first-last</c> range, forwarded so that only the range moves). The answer is then
    /// 206 with its <c>Content-Range</c>, or 416 when the range lies past the end.
    /// </summary>
    public async Task<BlobResponse?> OpenAsync(BlobServer server, ObjectId id, bool headersOnly, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(headersOnly ? HttpMethod.Head : HttpMethod.Get, BlobUri(server, id));
        request.Headers.Range = range;
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            response.Dispose();
            return null;
        }
        try
        {
            if (response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                await EnsureSuccessAsync(server, response, cancellationToken);
            }
            return new BlobResponse(server, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Whether the server holds a copy.</summary>
    public async Task<bool> ExistsAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var blob = await OpenAsync(server, id, headersOnly: true, cancellationToken);
        return blob is not null;
    }

    /// <summary>Every id a server holds, in order, read page by page so memory stays at one page.</summary>
    public async IAsyncEnumerable<ObjectId> ListAsync(BlobServer server, int pageSize, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectId? after = null;
        while (true)
        {
            var page = await ListPageAsync(server, after, pageSize, cancellationToken);
            foreach (var id in page)
            {
                yield return id;
            }
            if (page.Count < pageSize)
            {
                yield break;
            }
            after = page[^1];
        }
    }

    /// <summary>
    /// One page of a server's ids in ascending order, those after <paramref name="after"/>; fewer
    /// than <paramref name="pageSize"/> means the listing is complete.
    /// </summary>
    public async Task<IReadOnlyList<ObjectId>> ListPageAsync(BlobServer server, ObjectId? after, int pageSize, CancellationToken cancellationToken)
    {
        var uri = new Uri(server.BaseAddress, after is null ? $"blobs?limit={pageSize}" : $"blobs?after={after}&limit={pageSize}");
        using var response = await http.GetAsync(uri, cancellationToken);
        await EnsureSuccessAsync(server, response, cancellationToken);
        var page = await response.Content.ReadFromJsonAsync<string[]>(cancellationToken) ?? [];
        var ids = new List<ObjectId>(page.Length);
        foreach (var text in page)
        {
            if (ObjectId.TryParse(text, out var id))
            {
                ids.Add(id);
            }
        }
        if (page.Length == pageSize && ids.Count < page.Length)
        {
            // The page is full, so its last entry is where the next one starts: it must be an id.
            throw new BlobServerException(server, response.StatusCode, "the listing holds entries that are not object ids");
        }
        return ids;
    }

    /// <summary>Removes a server's copy (a copy on a handoff server, once its preferred servers hold it). Returns false when there was none.</summary>
    public async Task<bool> DeleteAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync(BlobUri(server, id), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        return true;
    }

    private static Uri BlobUri(BlobServer server, ObjectId id) => new(server.BaseAddress, $"blob/{id}");

    private static async Task EnsureSuccessAsync(BlobServer server, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new BlobServerException(server, response.StatusCode, detail.Length > 500 ? detail[..500] : detail);
        }
    }
}

/// <summary>A blob server's answer for one copy: its length, metadata and (for GET) its bytes.</summary>
public sealed class BlobResponse(BlobServer server, HttpResponseMessage response) : IDisposable
{
    public BlobServer Server { get; } = server;

    /// <summary>200 for a whole copy, 206 for a range of it, 416 for a range past its end.</summary>
    public HttpStatusCode StatusCode => response.StatusCode;

    /// <summary>For 206 the range sent and the whole length; for 416 the whole length alone.</summary>
    public ContentRangeHeaderValue? ContentRange => response.Content.Headers.ContentRange;

    public long? Length => response.Content.Headers.ContentLength;

    public DateTimeOffset? LastModified => response.Content.Headers.LastModified;

    public Dictionary<string, string> Metadata { get; } = ObjectMetadata.FromHeaders(
        response.Headers.Concat(response.Content.Headers).Select(header => KeyValuePair.Create(header.Key, new Microsoft.Extensions.Primitives.StringValues([.. header.Value]))));

    /// <summary>
    /// A Sos blob server checks a whole copy against its id as it sends it and cuts the body
    /// short when it does not match, and says so with <see cref="VerifiedStreamHeader"/>; the
    /// reader need not hash the bytes a second time. A server that does not (an original sos
    /// one) leaves the check to the reader.
    /// </summary>
    public bool IsVerifiedAsItStreams => response.Headers.Contains(VerifiedStreamHeader);

    /// <summary>Not an X- header: those are the object's metadata.</summary>
    public const string VerifiedStreamHeader = "Sos-Verified-Stream";

    public Task<Stream> ReadAsync(CancellationToken cancellationToken) => response.Content.ReadAsStreamAsync(cancellationToken);

    public void Dispose() => response.Dispose();
}
