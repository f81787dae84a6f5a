using System.Net;
using Microsoft.AspNetCore.Http.Headers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// The public read path, wire-compatible with the original sos: <c>GET|HEAD /fetch/{id}[.ext]</c>,
/// with the HTTP caching that content addressing makes exact (the bytes behind an id never change).
/// </summary>
public static class FetchEndpoints
{
    private const string DefaultContentType = "application/octet-stream";
    private const string ImmutableCacheControl = "public, max-age=31536000, immutable";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapFetchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapMethods("/fetch/{name}", [HttpMethods.Get, HttpMethods.Head], Fetch);
        return group;
    }

    // The name is the id, optionally followed by an extension that only picks a Content-Type.
    private static async Task<Results<ObjectBodyResult, StatusCodeHttpResult, ProblemHttpResult>> Fetch(
        string name, HttpContext context, ObjectLocator locator, ObjectCache cache, CancellationToken cancellationToken)
    {
        DownloadApiTelemetry.Requests.Add(1);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var idText = dot < 0 ? name : name[..dot];
        if (!ObjectId.TryParse(idText, out var id))
        {
            return TypedResults.Problem($"'{idText}' is not an object id: ids are 40 lowercase hex characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
        }
        using var activity = DownloadApiTelemetry.Source.StartActivity("sos.fetch");
        activity?.SetTag("sos.object.id", idText);
        var request = context.Request.GetTypedHeaders();
        var etag = new EntityTagHeaderValue($"\"{id}\"");
        var extension = dot < 0 ? null : name[dot..];
        var headersOnly = HttpMethods.IsHead(context.Request.Method);
        var notModified = IsNotModified(request, etag);
        var range = headersOnly || notModified ? null : SingleRange(request, etag);

        // Whole answers (GET, HEAD, 304) can come from memory; a range goes to the blob servers.
        var cached = range is null && cache.TryGet(id, out var hit) ? hit : null;
        activity?.SetTag("sos.fetch.cache_hit", cached is not null);

        // A client holding this id holds these bytes; it only needs to hear that the object still exists.
        if (notModified)
        {
            var known = cached?.Headers;
            if (known is null)
            {
                var existing = await locator.LocateAsync(id, headersOnly: true, range: null, cancellationToken);
                if (existing.Copy is not { } copy)
                {
                    return NotFound(id, existing);
                }
                using (copy)
                {
                    known = ObjectHeaders.Of(copy);
                }
            }
            SetCachingHeaders(context.Response, etag, known);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        if (cached is not null)
        {
            SetObjectHeaders(context.Response, etag, cached.Headers, extension);
            return new ObjectBodyResult(StatusCodes.Status200OK, headersOnly ? ReadOnlyMemory<byte>.Empty : cached.Bytes, id);
        }

        LocateResult located;
        Stream? body = null;
        if (headersOnly || range is not null)
        {
            located = await locator.LocateAsync(id, headersOnly, range, cancellationToken);
        }
        else
        {
            (located, body) = await locator.ReadWholeAsync(id, cancellationToken);
        }
        if (located.Copy is not { } found)
        {
            return NotFound(id, located);
        }
        // The response owns the blob server's answer from here on.
        context.Response.RegisterForDispose(found);

        if (found.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            SetCachingHeaders(context.Response, etag, ObjectHeaders.Of(found));
            context.Response.Headers.ContentRange = found.ContentRange?.ToString();
            return TypedResults.Problem($"The range asked for lies outside the object's {found.ContentRange?.Length} bytes.",
                statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable");
        }

        SetObjectHeaders(context.Response, etag, ObjectHeaders.Of(found), extension);
        var status = StatusCodes.Status200OK;
        if (found.StatusCode == HttpStatusCode.PartialContent)
        {
            status = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = found.ContentRange?.ToString();
            // A range cannot be checked against the id; whole reads are.
            body = await found.ReadAsync(cancellationToken);
        }
        else if (body is null && !headersOnly)
        {
            // The blob server answered a range with the whole copy: it is checked like any whole read.
            body = new VerifyingReadStream(await found.ReadAsync(cancellationToken), id, found.Length ?? 0);
        }
        if (body is not null)
        {
            context.Response.RegisterForDispose(body);
        }
        return new ObjectBodyResult(status, headersOnly ? null : body, id);
    }

    /// <summary>
    /// If-None-Match naming this id (weak comparison, as for GET) or <c>*</c>; else, only when
    /// there is no If-None-Match, any If-Modified-Since: the object cannot have changed since.
    /// </summary>
    private static bool IsNotModified(RequestHeaders request, EntityTagHeaderValue etag)
    {
        if (request.IfNoneMatch is { Count: > 0 } ifNoneMatch)
        {
            return ifNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(etag, useStrongComparison: false));
        }
        return request.IfModifiedSince is not null;
    }

    /// <summary>
    /// The one byte range to forward to the blob server, or null to send the whole object: no
    /// Range, a unit other than bytes, several ranges (answered whole, as RFC 9110 allows), or an
    /// If-Range naming other bytes. An If-Range date always holds, since an object never changes.
    /// </summary>
    private static System.Net.Http.Headers.RangeHeaderValue? SingleRange(RequestHeaders request, EntityTagHeaderValue etag)
    {
        if (request.Range is not { Ranges.Count: 1 } range || !range.Unit.Equals("bytes", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (request.IfRange?.EntityTag is { } ifRange && !ifRange.Compare(etag, useStrongComparison: true))
        {
            return null;
        }
        var only = range.Ranges.Single();
        return new System.Net.Http.Headers.RangeHeaderValue(only.From, only.To);
    }

    /// <summary>
    /// Every header of a 200 or 206 (Content-Range aside), the same whether the object comes from
    /// a blob server or the cache: caching headers, metadata, Content-Type, Content-Disposition
    /// and Content-Length.
    /// </summary>
    private static void SetObjectHeaders(HttpResponse response, EntityTagHeaderValue etag, ObjectHeaders found, string? extension)
    {
        SetCachingHeaders(response, etag, found);
        var headers = response.Headers;
        foreach (var (header, value) in found.Metadata)
        {
            headers[header] = value;
        }
        response.ContentType = ContentTypeOf(found.Metadata, extension);
        if (ContentDispositionOf(found.Metadata) is { } disposition)
        {
            headers.ContentDisposition = disposition;
        }
        headers.ContentLength = found.Length;
    }

    /// <summary>The headers every answer about an existing object carries, 304 and 416 included.</summary>
    private static void SetCachingHeaders(HttpResponse response, EntityTagHeaderValue etag, ObjectHeaders found)
    {
        var headers = response.GetTypedHeaders();
        headers.ETag = etag;
        headers.LastModified = found.LastModified;
        response.Headers.CacheControl = ImmutableCacheControl;
        response.Headers.AcceptRanges = "bytes";
    }

    private static ProblemHttpResult NotFound(ObjectId id, LocateResult located)
    {
        if (located.Unreachable > 0)
        {
            return TypedResults.Problem($"{located.Unreachable} blob server(s) could not give a good copy of {id} and the others do not have it.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Blob servers unavailable");
        }
        return TypedResults.Problem($"No object has the id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
    }

    /// <summary>X-Mime-Type if the uploader gave one, else from the extension asked for, else octet-stream.</summary>
    private static string ContentTypeOf(IReadOnlyDictionary<string, string> metadata, string? extension)
    {
        if (metadata.TryGetValue(ObjectMetadata.MimeTypeHeader, out var mimeType) && !string.IsNullOrWhiteSpace(mimeType))
        {
            return mimeType;
        }
        return extension is not null && ContentTypes.TryGetContentType("x" + extension, out var byExtension) ? byExtension : DefaultContentType;
    }

    /// <summary>
    /// <c>inline</c> with the uploaded file name: its last path segment, without control
    /// characters, as a quoted ASCII <c>filename</c> and an RFC 6266 / 8187 <c>filename*</c>
    /// in UTF-8, so that quotes, semicolons and non-ASCII names survive intact.
    /// </summary>
    private static string? ContentDispositionOf(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ObjectMetadata.OriginalFileNameHeader, out var original))
        {
            return null;
        }
        var fileName = new string([.. original[(original.LastIndexOfAny(['/', '\\']) + 1)..].Where(c => !char.IsControl(c))]).Trim();
        if (fileName.Length == 0)
        {
            return null;
        }
        var disposition = new ContentDispositionHeaderValue("inline");
        disposition.SetHttpFileName(fileName);
        return disposition.ToString();
    }
}
