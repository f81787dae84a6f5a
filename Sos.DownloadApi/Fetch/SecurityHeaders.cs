using Microsoft.Net.Http.Headers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Downloads are served from a public origin and anyone can upload: every fetch response tells
/// browsers not to guess types and sandboxes the document, and active types go out as
/// attachments unless the operator allows them inline.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy = "sandbox; default-src 'none'";

    public static RouteGroupBuilder WithSecurityHeaders(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            Apply(context.HttpContext.Response);
            return await next(context);
        });
        return group;
    }

    public static void Apply(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
    }

    /// <summary>
    /// Whether a metadata name may be echoed: only what the upload rules would store, so a name
    /// that browsers or proxies act on never goes out, whatever an old copy carries.
    /// </summary>
    public static bool IsServable(string metadataName) => MetadataRules.IsStored(metadataName);

    /// <summary>Types a browser would run or render as a document: HTML, SVG, XML, JavaScript.</summary>
    public static bool IsActive(string contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            // A type that cannot be read cannot be vouched for.
            return true;
        }
        return mediaType.ToLowerInvariant() switch
        {
            "text/html" or "application/xhtml+xml" or "text/xml" or "application/xml" or "text/xsl" => true,
            "text/javascript" or "application/javascript" or "application/x-javascript" or "application/ecmascript" or "text/ecmascript" => true,
            var other => other.EndsWith("+xml", StringComparison.Ordinal),
        };
    }
}
