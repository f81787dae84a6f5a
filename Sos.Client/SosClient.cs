using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Http.Resilience;

namespace Sos.Client;

/// <summary>
/// A client of Sos's public APIs: uploads and deletes go to the upload API (<c>POST /upload</c>,
/// <c>DELETE /upload/{id}</c>), reads to the download API (<c>GET|HEAD /fetch/{id}</c>). Bodies stream in fixed-size buffers, so memory
/// stays flat for any object size; every operation is cancellable and is one span of the
/// <see cref="ActivitySourceName"/> source, under which the HTTP request (and, through W3C trace
/// context, Sos's own spans) follow. Failures are <see cref="SosException"/>s.
/// </summary>
public sealed class SosClient
{
    /// <summary>The name of the client's <see cref="ActivitySource"/>, to add to a tracer.</summary>
    public const string ActivitySourceName = "Sos.Client";

    /// <summary>The announced SHA-1 of an upload's body: the upload API checks it, and can skip a body it already has.</summary>
    public const string Sha1Header = "X-Sos-Sha1";

    private const int BufferSize = 128 * 1024;
    private const int MaxProblemBytes = 64 * 1024;
    private static readonly ActivitySource Source = new(ActivitySourceName);

    // Headers a download answer carries that are the server's, not the object's metadata
    // (the upload API refuses these names as metadata).
    private static readonly HashSet<string> ServerHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "X-Content-Type-Options", "X-Frame-Options", "X-XSS-Protection",
    };

    private readonly HttpClient _http;
    private readonly SosClientOptions _options;
    private readonly Uri _uploadUri;

    /// <summary>
    /// A client over <paramref name="httpClient"/>, which should have no overall timeout (large
    /// objects take minutes) and should not retry uploads on its own: <see cref="CreateHttpClient"/>
    /// makes one with the client's retry policy, and the hosting integration registers one.
    /// </summary>
    public SosClient(HttpClient httpClient, SosClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = httpClient;
        _options = options;
        _uploadUri = new Uri(WithSlash(options.UploadEndpoint), "upload");
    }

    /// <summary>
    /// An <see cref="HttpClient"/> for <see cref="SosClient"/> outside dependency injection: no
    /// overall timeout, a 10 s connect timeout, and retries of reads and of replayable uploads.
    /// The caller owns (and disposes) it.
    /// </summary>
    public static HttpClient CreateHttpClient(SosClientOptions? options = null)
    {
        var handler = new ResilienceHandler(SosResilience.Build()) { InnerHandler = CreatePrimaryHandler(options ?? new SosClientOptions()) };
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The connection handler the client is meant to run on (the hosting integration uses it too).</summary>
    public static SocketsHttpHandler CreatePrimaryHandler(SosClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            Expect100ContinueTimeout = options.ExpectContinueTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
    }

    /// <summary>True when <paramref name="id"/> is an object id: exactly 40 lowercase hex characters.</summary>
    public static bool IsValidId([NotNullWhen(true)] string? id) =>
        id is { Length: 40 } && id.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>
    /// Uploads a file. Its SHA-1 is computed first and announced (<c>X-Sos-Sha1</c>, with
    /// <c>If-None-Match: *</c> and <c>Expect: 100-continue</c>), so when the store already has
    /// the object the body is never sent (<see cref="SosUploadResult.AlreadyStored"/>). The body
    /// is replayable, so transient failures are retried.
    /// </summary>
    /// <param name="path">The file to upload.</param>
    /// <param name="metadata">Headers to store with the object; each name starts with <c>X-</c>.</param>
    /// <param name="progress">Receives the bytes of the body sent so far.</param>
    /// <param name="cancellationToken">Cancels the hashing and the upload.</param>
    public async Task<SosUploadResult> UploadFileAsync(
        string path, IReadOnlyDictionary<string, string>? metadata = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var activity = Source.StartActivity("sos.client.upload");
        activity?.SetTag("sos.file.path", Path.GetFileName(path));
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            var id = Convert.ToHexStringLower(await HashSha1Async(file, cancellationToken));
            file.Position = 0;
            return await UploadCoreAsync(file, id, metadata, progress, activity, cancellationToken);
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Uploads the rest of <paramref name="content"/>, streamed as it is read. Retried on
    /// transient failures only when the stream can seek back to where it started; a stream that
    /// cannot is sent once.
    /// </summary>
    /// <param name="content">The object's bytes, from the current position to the end.</param>
    /// <param name="metadata">Headers to store with the object; each name starts with <c>X-</c>.</param>
    /// <param name="progress">Receives the bytes of the body sent so far.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task<SosUploadResult> UploadAsync(
        Stream content, IReadOnlyDictionary<string, string>? metadata = null, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var activity = Source.StartActivity("sos.client.upload");
        try
        {
            return await UploadCoreAsync(content, knownId: null, metadata, progress, activity, cancellationToken);
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Downloads the whole object into <paramref name="destination"/>, hashing it on the way: when
    /// the bytes that arrived do not hash to <paramref name="id"/>, a <see cref="SosIntegrityException"/>
    /// is thrown after they were written, and the caller must discard them.
    /// </summary>
    public async Task<SosObjectInfo> DownloadAsync(
        string id, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        ArgumentNullException.ThrowIfNull(destination);
        using var activity = Source.StartActivity("sos.client.download");
        activity?.SetTag("sos.object.id", id);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, FetchUri(id));
            using var response = await SendAsync(request, "download", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await FailureAsync(response, id, cancellationToken);
            }
            var info = InfoOf(id, response, size: response.Content.Headers.ContentLength ?? -1);
            activity?.SetTag("sos.object.size", info.Size);
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            await CopyAsync(response, destination, skip: 0, limit: long.MaxValue, sha1, progress, id, cancellationToken);
            var actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
            if (actual != id)
            {
                throw new SosIntegrityException($"The bytes downloaded for {id} hash to {actual}: they are not that object and must not be used.");
            }
            return info;
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Downloads the whole object into the file at <paramref name="path"/>, checked against its id.
    /// The bytes go to a temporary file beside it, moved into place only once checked, so the path
    /// never holds a partial or wrong object; on any failure the temporary file is removed.
    /// </summary>
    public async Task<SosObjectInfo> DownloadFileAsync(
        string id, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var partial = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            SosObjectInfo info;
            await using (var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                info = await DownloadAsync(id, file, progress, cancellationToken);
            }
            File.Move(partial, full, overwrite: true);
            return info;
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }

    /// <summary>
    /// Downloads <paramref name="length"/> bytes (or, when null, the rest) of the object from byte
    /// <paramref name="offset"/> into <paramref name="destination"/>. A range cannot be checked
    /// against the id; the client checks that the range that came is the one asked for. A range
    /// that starts past the end is a <see cref="SosBadRequestException"/> (416).
    /// </summary>
    public async Task<SosObjectInfo> DownloadRangeAsync(
        string id, long offset, long? length, Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count, nameof(length));
        }
        ArgumentNullException.ThrowIfNull(destination);
        using var activity = Source.StartActivity("sos.client.download");
        activity?.SetTag("sos.object.id", id);
        activity?.SetTag("sos.range.offset", offset);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, FetchUri(id));
            request.Headers.Range = new RangeHeaderValue(offset, length is { } n ? offset + n - 1 : null);
            using var response = await SendAsync(request, "download", cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                    var range = response.Content.Headers.ContentRange;
                    if (range is not { From: { } from, To: { } to, Length: { } total } || from != offset || (length is { } wanted && to - from + 1 > wanted))
                    {
                        throw new SosIntegrityException($"Asked for bytes {offset}- of {id}, got the range '{range}'.");
                    }
                    var info = InfoOf(id, response, total);
                    await CopyAsync(response, destination, skip: 0, limit: to - from + 1, hash: null, progress, id, cancellationToken);
                    return info;
                case HttpStatusCode.OK:
                    // A server (or proxy) that ignores Range sends everything: take the slice asked for.
                    var whole = InfoOf(id, response, response.Content.Headers.ContentLength ?? -1);
                    if (offset >= whole.Size)
                    {
                        throw new SosBadRequestException($"The range asked for starts at byte {offset}, past the end of {id}'s {whole.Size} bytes.", HttpStatusCode.RequestedRangeNotSatisfiable);
                    }
                    await CopyAsync(response, destination, skip: offset, limit: length ?? long.MaxValue, hash: null, progress, id, cancellationToken);
                    return whole;
                default:
                    throw await FailureAsync(response, id, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    /// <summary>The object's size, content type and metadata, without its bytes (<c>HEAD</c>).</summary>
    public async Task<SosObjectInfo> GetInfoAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        using var activity = Source.StartActivity("sos.client.stat");
        activity?.SetTag("sos.object.id", id);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, FetchUri(id));
            using var response = await SendAsync(request, "download", cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw await FailureAsync(response, id, cancellationToken);
            }
            return InfoOf(id, response, response.Content.Headers.ContentLength ?? -1);
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Deletes the object (<c>DELETE /upload/{id}</c>, with the API key), for everyone: an id is
    /// its bytes. Not found and unavailable are outcomes, not exceptions, since both are answers
    /// about the store a caller acts on (nothing to do; send it again later). A delete is
    /// idempotent, so it is retried on transient failures, and deleting a deleted id is
    /// <see cref="SosDeleteStatus.Deleted"/> again. A key the upload API refuses throws
    /// <see cref="SosUnauthorizedException"/>.
    /// </summary>
    public async Task<SosDeleteResult> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        using var activity = Source.StartActivity("sos.client.delete");
        activity?.SetTag("sos.object.id", id);
        try
        {
            var result = await DeleteCoreAsync(id, cancellationToken);
            activity?.SetTag("sos.delete.status", result.Status.ToString());
            if (result.Status == SosDeleteStatus.Unavailable)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Message);
            }
            return result;
        }
        catch (Exception ex)
        {
            Failed(activity, ex);
            throw;
        }
    }

    private async Task<SosDeleteResult> DeleteCoreAsync(string id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(WithSlash(_options.UploadEndpoint), $"upload/{id}"));
        Authorize(request);
        HttpResponseMessage response;
        try
        {
            response = await SendAsync(request, "upload", cancellationToken);
        }
        catch (SosUnavailableException ex)
        {
            return new SosDeleteResult(id, SosDeleteStatus.Unavailable, null, ex.Message);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var deleted = await ReadJsonAsync(response, cancellationToken);
                DateTimeOffset? at = deleted?.RootElement is { ValueKind: JsonValueKind.Object } root
                    && root.TryGetProperty("deletedAt", out var time) && time.TryGetDateTimeOffset(out var parsed) ? parsed : null;
                return new SosDeleteResult(id, SosDeleteStatus.Deleted, at, null);
            }
            var failure = await FailureAsync(response, id, cancellationToken);
            return failure switch
            {
                SosNotFoundException => new SosDeleteResult(id, SosDeleteStatus.NotFound, null, failure.Message),
                SosUnavailableException => new SosDeleteResult(id, SosDeleteStatus.Unavailable, null, failure.Message),
                _ => throw failure,
            };
        }
    }

    private async Task<SosUploadResult> UploadCoreAsync(
        Stream content, string? knownId, IReadOnlyDictionary<string, string>? metadata, IProgress<long>? progress, Activity? activity, CancellationToken cancellationToken)
    {
        var body = new ProgressReadStream(content, progress);
        using var request = new HttpRequestMessage(HttpMethod.Post, _uploadUri) { Content = new StreamContent(body, BufferSize) };
        if (content.CanSeek)
        {
            request.Content.Headers.ContentLength = content.Length - content.Position;
        }
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        Authorize(request);
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            AddMetadata(request, name, value);
        }
        if (knownId is not null)
        {
            activity?.SetTag("sos.object.id", knownId);
            request.Headers.Add(Sha1Header, knownId);
            request.Headers.IfNoneMatch.Add(EntityTagHeaderValue.Any);
            request.Headers.ExpectContinue = true;
        }
        request.Options.Set(SosResilience.Replayable, content.CanSeek);

        using var response = await SendAsync(request, "upload", cancellationToken);
        SosUploadResult result;
        if (response.StatusCode == HttpStatusCode.PreconditionFailed && knownId is not null)
        {
            using var problem = await ReadJsonAsync(response, cancellationToken);
            var size = problem?.RootElement.TryGetProperty("size", out var s) == true && s.TryGetInt64(out var n) ? n : content.Length;
            result = new SosUploadResult(knownId, size, AlreadyStored: true, body.BytesRead);
        }
        else if (response.StatusCode == HttpStatusCode.OK)
        {
            using var stored = await ReadJsonAsync(response, cancellationToken);
            if (stored?.RootElement is not { ValueKind: JsonValueKind.Object } root
                || !root.TryGetProperty("id", out var idElement) || idElement.GetString() is not { } id || !IsValidId(id)
                || !root.TryGetProperty("size", out var sizeElement) || !sizeElement.TryGetInt64(out var size))
            {
                throw new SosException("The upload API answered 200 without the stored object's id and size.", response.StatusCode);
            }
            if (knownId is not null && id != knownId)
            {
                throw new SosIntegrityException($"The upload API stored {id}, but the file hashed to {knownId} before it was sent: the file changed while it was read.");
            }
            result = new SosUploadResult(id, size, AlreadyStored: false, body.BytesRead);
        }
        else
        {
            throw await FailureAsync(response, knownId, cancellationToken);
        }
        activity?.SetTag("sos.object.id", result.Id);
        activity?.SetTag("sos.object.size", result.Size);
        activity?.SetTag("sos.upload.already_stored", result.AlreadyStored);
        return result;
    }

    /// <summary>The upload API key, on requests to the upload API only: downloads need none, and should not carry it.</summary>
    private void Authorize(HttpRequestMessage request)
    {
        if (_options.ApiKey is { Length: > 0 } key)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
    }

    private static void AddMetadata(HttpRequestMessage request, string name, string value)
    {
        if (!name.StartsWith("X-", StringComparison.OrdinalIgnoreCase) || name.Length < 3)
        {
            throw new ArgumentException($"Metadata names start with 'X-' (Sos keeps only those headers): '{name}'.", nameof(name));
        }
        if (name.StartsWith("X-Sos-", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"'{name}': the X-Sos- prefix is reserved for Sos's own headers.", nameof(name));
        }
        if (!request.Headers.TryAddWithoutValidation(name, value) || value.Any(c => c is '\r' or '\n'))
        {
            throw new ArgumentException($"'{name}' is not a valid header name, or its value spans lines.", nameof(name));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string api, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new SosUnavailableException($"Could not reach the {api} API at {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {ex.Message}", null, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SosUnavailableException($"The {api} API at {request.RequestUri?.GetLeftPart(UriPartial.Authority)} did not answer in time.", null, ex);
        }
    }

    /// <summary>Copies the body, skipping <paramref name="skip"/> bytes and stopping after <paramref name="limit"/>, in one pooled buffer.</summary>
    private static async Task CopyAsync(
        HttpResponseMessage response, Stream destination, long skip, long limit, IncrementalHash? hash, IProgress<long>? progress, string id, CancellationToken cancellationToken)
    {
        var expected = response.Content.Headers.ContentLength;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        long received = 0;
        long written = 0;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (written < limit)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException)
                {
                    throw new SosUnavailableException($"The download of {id} was cut short after {received} of {expected?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} bytes: {ex.Message}", null, ex);
                }
                if (read == 0)
                {
                    break;
                }
                var chunk = buffer.AsMemory(0, read);
                hash?.AppendData(chunk.Span);
                received += read;
                if (skip > 0)
                {
                    var skipped = (int)Math.Min(skip, chunk.Length);
                    chunk = chunk[skipped..];
                    skip -= skipped;
                }
                if (chunk.Length > limit - written)
                {
                    chunk = chunk[..(int)(limit - written)];
                }
                if (chunk.Length > 0)
                {
                    await destination.WriteAsync(chunk, cancellationToken);
                    written += chunk.Length;
                    progress?.Report(written);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        if (hash is not null && expected is { } length && received != length)
        {
            throw new SosUnavailableException($"The download of {id} was cut short after {received} of {length} bytes.");
        }
    }

    private static SosObjectInfo InfoOf(string id, HttpResponseMessage response, long size)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (name.StartsWith("X-", StringComparison.OrdinalIgnoreCase) && !ServerHeaders.Contains(name))
            {
                metadata[name] = string.Join(", ", values);
            }
        }
        return new SosObjectInfo(id, size, response.Content.Headers.ContentType?.ToString(), metadata);
    }

    /// <summary>The failure an error answer stands for, with the server's own explanation when it gave one.</summary>
    private static async Task<SosException> FailureAsync(HttpResponseMessage response, string? id, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        string? detail = null;
        using (var problem = await ReadJsonAsync(response, cancellationToken))
        {
            if (problem?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                detail = (root.TryGetProperty("detail", out var d) ? d.GetString() : null)
                    ?? (root.TryGetProperty("title", out var t) ? t.GetString() : null);
            }
        }
        var code = (int)status;
        var said = detail ?? $"{code} {response.ReasonPhrase}";
        return status switch
        {
            HttpStatusCode.NotFound => new SosNotFoundException(id is null ? said : $"No object {id} is stored.", status),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new SosUnauthorizedException(said, status),
            _ when code >= 500 => new SosUnavailableException(said, status),
            _ when code >= 400 => new SosBadRequestException(said, status),
            _ => new SosException($"Sos answered {code} {response.ReasonPhrase}, which this client does not expect.", status),
        };
    }

    private static async Task<JsonDocument?> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxProblemBytes];
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            return JsonDocument.Parse(buffer.AsMemory(0, length));
        }
        catch (Exception ex) when (ex is JsonException or IOException or HttpRequestException)
        {
            return null;
        }
    }

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "SHA-1 is the object id of the sos wire format, not a security measure.")]
    private static async Task<byte[]> HashSha1Async(Stream stream, CancellationToken cancellationToken) =>
        await SHA1.HashDataAsync(stream, cancellationToken);

    private Uri FetchUri(string id) => new(WithSlash(_options.DownloadEndpoint), $"fetch/{id}");

    private static Uri WithSlash(Uri endpoint) =>
        endpoint.AbsolutePath.EndsWith('/') ? endpoint : new Uri(endpoint.GetLeftPart(UriPartial.Path) + "/");

    private static void CheckId(string id)
    {
        if (!IsValidId(id))
        {
            throw new ArgumentException($"'{id}' is not an object id: ids are 40 lowercase hex characters (the SHA-1 of the object).", nameof(id));
        }
    }

    private static void Failed(Activity? activity, Exception ex)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, ex.Message);
        activity.AddException(ex);
    }
}
