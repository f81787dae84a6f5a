using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;

namespace Sos.Chaos;

/// <summary>The HTTP side of the run: uploads, re-uploads and fetches, each checked against what was acknowledged.</summary>
internal sealed class ChaosClient : IDisposable
{
    private readonly HttpClient _http;

    public ChaosClient(TimeSpan timeout)
    {
        // Hostile metadata carries bytes a well-behaved client would refuse to send (control
        // characters, UTF-8); the point is to see what the servers make of them.
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(5),
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
        };
        _http = new HttpClient(handler) { Timeout = timeout };
    }

    /// <summary>Uploads the seeded bytes with the given headers: the status, and the id the answer names (null unless 200).</summary>
    public async Task<(HttpStatusCode? Status, string? Id, string? Error)> UploadAsync(
        Uri uploadApi, ulong seed, long size, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(uploadApi, "upload"));
        request.Content = new StreamContent(new SeededStream(seed, size), 64 * 1024);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return (response.StatusCode, null, null);
            }
            var stored = await response.Content.ReadFromJsonAsync<StoredAnswer>(cancellationToken);
            return (response.StatusCode, stored?.Id, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, null, ex.GetType().Name);
        }
    }

    /// <summary>Deletes an object through the upload API: the status (null with the error when there was no answer).</summary>
    public async Task<(HttpStatusCode? Status, string? Error)> DeleteAsync(Uri uploadApi, string id, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.DeleteAsync(new Uri(uploadApi, $"upload/{id}"), cancellationToken);
            return (response.StatusCode, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, ex.GetType().Name);
        }
    }

    /// <summary>The status of a blob server's <c>HEAD /blob/{id}</c>, with its token; null when it did not answer.</summary>
    public async Task<HttpStatusCode?> StatusAsync(Uri blobServer, string id, string? token, CancellationToken cancellationToken)
    {
        using var request = BlobHead(blobServer, id, token);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The status of a GET whose body does not matter (a deleted object's), null when there was no answer.</summary>
    public async Task<HttpStatusCode?> StatusAsync(Uri url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A whole GET, or a range of it: bytes compared with the seed, headers with the first metadata.</summary>
    public async Task<FetchResult> FetchAsync(Uri url, ChaosObject expected, (long From, long To)? range, bool publicFetch, string? token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (range is { } r)
        {
            request.Headers.Range = new RangeHeaderValue(r.From, r.To);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new FetchResult(FetchStatus.Unavailable, ex.GetType().Name);
        }
        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    return new FetchResult(FetchStatus.NotFound, "404");
                case >= HttpStatusCode.InternalServerError or HttpStatusCode.RequestTimeout:
                    return new FetchResult(FetchStatus.Unavailable, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                case HttpStatusCode.OK or HttpStatusCode.PartialContent:
                    break;
                default:
                    return new FetchResult(FetchStatus.Unexpected, ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            var headerProblem = HeaderCheck.Problem(expected, response, publicFetch);
            var beforeDelete = headerProblem is not null && Earlier(expected).Any(earlier => HeaderCheck.Problem(earlier, response, publicFetch) is null);
            if (beforeDelete)
            {
                headerProblem = null;
            }
            var partial = response.StatusCode == HttpStatusCode.PartialContent;
            long from = 0;
            var length = expected.Size;
            if (partial)
            {
                if (range is null || response.Content.Headers.ContentRange is not { From: { } f, To: { } t, Length: { } total }
                    || f != range.Value.From || t != Math.Min(range.Value.To, expected.Size - 1) || total != expected.Size)
                {
                    return new FetchResult(FetchStatus.Wrong, Join(headerProblem, $"Content-Range '{response.Content.Headers.ContentRange}' for {range?.From}-{range?.To} of {expected.Size} bytes"));
                }
                from = f;
                length = t - f + 1;
            }
            string? bodyProblem;
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                bodyProblem = partial
                    ? await CompareAsync(body, expected.Seed, from, length, cancellationToken)
                    : await HashAsync(body, expected, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A body cut short is a refusal to serve, not a wrong answer; wrong headers before it still are.
                return headerProblem is null ? new FetchResult(FetchStatus.Aborted, ex.GetType().Name) : new FetchResult(FetchStatus.Wrong, headerProblem);
            }
            var problem = Join(headerProblem, bodyProblem);
            return problem is not null ? new FetchResult(FetchStatus.Wrong, problem)
                : beforeDelete ? new FetchResult(FetchStatus.BeforeDelete)
                : FetchResult.Ok;
        }
    }

    /// <summary>The object as acknowledged before each of its earlier deletes, latest first.</summary>
    private static IEnumerable<ChaosObject> Earlier(ChaosObject expected)
    {
        for (var earlier = expected.BeforeDelete; earlier is not null; earlier = earlier.BeforeDelete)
        {
            yield return earlier;
        }
    }

    /// <summary>HEAD on a blob server: its copy's metadata compared with the first, or why it could not be.</summary>
    public async Task<string?> CopyHeadersProblemAsync(Uri blobServer, ChaosObject expected, string? token, CancellationToken cancellationToken)
    {
        using var request = BlobHead(blobServer, expected.Id, token);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return $"HEAD answered {(int)response.StatusCode}";
            }
            if (response.Content.Headers.ContentLength is { } length && length != expected.Size)
            {
                return $"HEAD says {length} bytes, not {expected.Size}";
            }
            return HeaderCheck.Problem(expected, response, publicFetch: false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"HEAD failed: {ex.GetType().Name}";
        }
    }

    /// <summary>A blob server's <c>HEAD /blob/{id}</c>, with its token when there is one.</summary>
    private static HttpRequestMessage BlobHead(Uri blobServer, string id, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Head, new Uri(blobServer, $"blob/{id}"));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    private static async Task<string?> HashAsync(Stream body, ChaosObject expected, CancellationToken cancellationToken)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            sha1.AppendData(buffer, 0, read);
            total += read;
        }
        var id = Convert.ToHexStringLower(sha1.GetHashAndReset());
        return id == expected.Id && total == expected.Size ? null : $"body of {total} bytes hashes to {id}, not the {expected.Size} bytes of {expected.Id}";
    }

    private static async Task<string?> CompareAsync(Stream body, ulong seed, long from, long length, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var expected = new byte[buffer.Length];
        long offset = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var take = (int)Math.Min(read, Math.Max(0, length - offset));
            SeededBytes.Fill(seed, from + offset, expected.AsSpan(0, take));
            if (take < read || !buffer.AsSpan(0, take).SequenceEqual(expected.AsSpan(0, take)))
            {
                return $"range bytes differ from the object's at or after offset {from + offset}";
            }
            offset += read;
        }
        return offset == length ? null : $"range body of {offset} bytes, not {length}";
    }

    private static string? Join(string? first, string? second) =>
        first is null ? second : second is null ? first : $"{first}; {second}";

    public void Dispose() => _http.Dispose();
}
