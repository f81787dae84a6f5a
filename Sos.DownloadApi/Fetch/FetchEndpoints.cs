using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// The public read path, wire-compatible with the original sos: <c>GET|HEAD /fetch/{id}[.ext]</c>,
/// with the HTTP caching that content addressing makes exact (the bytes behind an id never change).
/// The preconditions are decided first (<see cref="FetchPreconditions"/>), the object comes from
/// <see cref="ObjectSource"/>, and this class only maps the answer to HTTP.
/// </summary>
public static class FetchEndpoints
{
    private const string DefaultContentType = "application/octet-stream";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapFetchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("").WithSecurityHeaders();
        group.MapMethods("/fetch/{name}", [HttpMethods.Get, HttpMethods.Head], Fetch);
        return group;
    }

    // The name is the id, optionally followed by an extension that only picks a Content-Type.
    private static async Task<Results<ObjectBodyResult, StatusCodeHttpResult, ProblemHttpResult>> Fetch(
        string name, HttpContext context, ObjectSource source, IOptions<DownloadOptions> options, CancellationToken cancellationToken)
    {
        DownloadApiTelemetry.Requests.Add(1);
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var idText = dot < 0 ? name : name[..dot];
        if (!ObjectId.TryParse(idText, out var id))
        {
            return TypedResults.Problem("That is not an object id: ids are 40 lowercase hex characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
        }
        using var activity = DownloadApiTelemetry.Source.StartActivity("sos.fetch");
        activity?.SetTag("sos.object.id", idText);

        var plan = FetchPreconditions.Decide(context.Request, id);
        var fetched = await source.GetAsync(id, plan, cancellationToken);
        // The response owns the blob server's answer from here on.
        context.Response.RegisterForDispose(fetched);
        var response = context.Response;
        switch (fetched.Outcome)
        {
            case FetchOutcome.Missing:
                return TypedResults.Problem($"No object has the id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
            case FetchOutcome.Unavailable:
                // Which servers failed and why is in the logs and the trace, not in a public answer.
                activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "no copy readable");
                return TypedResults.Problem("The object could not be read right now. Try again later.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable");
            case FetchOutcome.Unsatisfiable:
                SetCachingHeaders(response, id, fetched.Headers!, options.Value.CacheControl);
                response.Headers.ContentRange = $"bytes */{fetched.Headers!.Length}";
                return TypedResults.Problem($"The range asked for lies outside the object's {fetched.Headers.Length} bytes.",
                    statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Range not satisfiable");
        }
        var headers = fetched.Headers!;
        if (plan.Kind == FetchKind.NotModified)
        {
            // A client holding this id holds these bytes.
            SetCachingHeaders(response, id, headers, options.Value.CacheControl);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        SetObjectHeaders(response, id, headers, dot < 0 ? null : name[dot..], options.Value);
        if (fetched.Outcome == FetchOutcome.Partial && fetched.Part is { } part)
        {
            response.Headers.ContentRange = $"bytes {part.Offset}-{part.Last}/{part.Length}";
            response.Headers.ContentLength = part.Count;
            return new ObjectBodyResult(StatusCodes.Status206PartialContent, fetched.Body, id);
        }
        if (plan.Kind == FetchKind.HeadersOnly)
        {
            return new ObjectBodyResult(StatusCodes.Status200OK, body: null, id);
        }
        return fetched.Body is { } body
            ? new ObjectBodyResult(StatusCodes.Status200OK, body, id)
            : new ObjectBodyResult(StatusCodes.Status200OK, fetched.Bytes, id);
    }

    /// <summary>
    /// Every header of a 200 or 206 (Content-Range aside), the same whether the object comes from
    /// a blob server or the cache: caching headers, metadata, Content-Type, Content-Disposition
    /// and Content-Length (when known: a large copy an original blob server sent chunked goes on chunked).
    /// </summary>
    private static void SetObjectHeaders(HttpResponse response, ObjectId id, ObjectHeaders found, string? extension, DownloadOptions options)
    {
        SetCachingHeaders(response, id, found, options.CacheControl);
        var headers = response.Headers;
        foreach (var (header, value) in found.Metadata)
        {
            if (SecurityHeaders.IsServable(header))
            {
                headers[header] = value;
            }
        }
        var contentType = ContentTypeOf(found.Metadata, extension);
        response.ContentType = contentType;
        var attachment = !options.AllowActiveContentInline && SecurityHeaders.IsActive(contentType);
        if (ContentDispositionOf(found.Metadata, attachment) is { } disposition)
        {
            headers.ContentDisposition = disposition;
        }
        headers.ContentLength = found.Length;
    }

    /// <summary>The headers every answer about an existing object carries, 304 and 416 included.</summary>
    private static void SetCachingHeaders(HttpResponse response, ObjectId id, ObjectHeaders found, string cacheControl)
    {
        var headers = response.GetTypedHeaders();
        headers.ETag = FetchPreconditions.ETagOf(id);
        headers.LastModified = found.LastModified;
        response.Headers.CacheControl = cacheControl;
        response.Headers.AcceptRanges = "bytes";
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
    /// <c>attachment</c> for active content, else <c>inline</c>, with the uploaded file name: its
    /// last path segment, without control characters, as a quoted ASCII <c>filename</c> and an
    /// RFC 6266 / 8187 <c>filename*</c> in UTF-8, so that quotes, semicolons and non-ASCII names
    /// survive intact. Null for inline content without a name.
    /// </summary>
    private static string? ContentDispositionOf(IReadOnlyDictionary<string, string> metadata, bool attachment)
    {
        var disposition = new ContentDispositionHeaderValue(attachment ? "attachment" : "inline");
        if (metadata.TryGetValue(ObjectMetadata.OriginalFileNameHeader, out var original))
        {
            var fileName = new string([.. original[(original.LastIndexOfAny(['/', '\\']) + 1)..].Where(c => !char.IsControl(c))]).Trim();
            if (fileName.Length > 0)
            {
                disposition.SetHttpFileName(fileName);
                return disposition.ToString();
            }
        }
        return attachment ? disposition.ToString() : null;
    }
}
