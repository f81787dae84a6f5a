using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>The public read path, wire-compatible with the original sos: <c>GET|HEAD /fetch/{id}[.ext]</c>.</summary>
public static class FetchEndpoints
{
    private const string DefaultContentType = "application/octet-stream";
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static RouteGroupBuilder MapFetchEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapMethods("/fetch/{name}", [HttpMethods.Get, HttpMethods.Head], Fetch);
        return group;
    }

    // The name is the id, optionally followed by an extension that only picks a Content-Type.
    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Fetch(
        string name, HttpContext context, ObjectLocator locator, CancellationToken cancellationToken)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var idText = dot < 0 ? name : name[..dot];
        if (!ObjectId.TryParse(idText, out var id))
        {
            return TypedResults.Problem($"'{idText}' is not an object id: ids are 40 lowercase hex characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
        }
        using var activity = DownloadApiTelemetry.Source.StartActivity("sos.fetch");
        activity?.SetTag("sos.object.id", idText);

        var headersOnly = HttpMethods.IsHead(context.Request.Method);
        var located = await locator.LocateAsync(id, headersOnly, cancellationToken);
        if (located.Copy is not { } copy)
        {
            if (located.Unreachable > 0)
            {
                return TypedResults.Problem($"{located.Unreachable} blob server(s) could not be asked for {id} and the others do not have it.",
                    statusCode: StatusCodes.Status503ServiceUnavailable, title: "Blob servers unavailable");
            }
            return TypedResults.Problem($"No object has the id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        }
        // The response owns the blob server's answer from here on.
        context.Response.RegisterForDispose(copy);

        var headers = context.Response.Headers;
        foreach (var (header, value) in copy.Metadata)
        {
            headers[header] = value;
        }
        if (copy.Length is { } length)
        {
            headers.ContentLength = length;
        }
        // Content addressing makes caching exact: the bytes behind an id can never change.
        headers.CacheControl = "public, max-age=31536000, immutable";

        var body = await copy.ReadAsync(cancellationToken);
        return TypedResults.Stream(body, ContentTypeOf(copy.Metadata, dot < 0 ? null : name[dot..]),
            lastModified: copy.LastModified, entityTag: new EntityTagHeaderValue($"\"{id}\""));
    }

    /// <summary>X-Mime-Type if the uploader gave one, else from the extension asked for, else octet-stream.</summary>
    private static string ContentTypeOf(Dictionary<string, string> metadata, string? extension)
    {
        if (metadata.TryGetValue(ObjectMetadata.MimeTypeHeader, out var mimeType) && !string.IsNullOrWhiteSpace(mimeType))
        {
            return mimeType;
        }
        return extension is not null && ContentTypes.TryGetContentType("x" + extension, out var byExtension) ? byExtension : DefaultContentType;
    }
}
