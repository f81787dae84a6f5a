using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Core.BlobServers;

/// <summary>
/// The typed client of the blob-server wire API that the replicator still uses; everything else
/// talks to blob servers through <see cref="Cluster.ClusterClient"/>. Obsolete: it goes once the
/// replicator has moved onto the cluster layer.
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
