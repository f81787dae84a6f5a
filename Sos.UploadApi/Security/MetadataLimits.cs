using Sos.Core.Objects;

namespace Sos.UploadApi.Security;

/// <summary>
/// Metadata is stored with every copy and sent back on every download, so before the body is read
/// an upload's <c>X-</c> headers must pass <see cref="MetadataRules"/> (no name a proxy or browser
/// acts on, values in visible ASCII) and stay within <see cref="MaxHeaders"/> headers of
/// <see cref="MaxTotalBytes"/> in all; otherwise the answer is 400 and nothing is read or stored.
/// (Kestrel refuses a request whose headers exceed its own, larger limits, 100 headers or 32 KiB,
/// with 431 before any of this runs.)
/// </summary>
public sealed class MetadataLimits : IEndpointFilter
{
    public const int MaxHeaders = 32;
    public const int MaxTotalBytes = 8 * 1024;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var headers = context.HttpContext.Request.Headers;
        if (MetadataRules.Check(headers) is { } refused)
        {
            return TypedResults.Problem(refused, statusCode: StatusCodes.Status400BadRequest, title: "Metadata not allowed");
        }
        var count = 0;
        var bytes = 0;
        foreach (var (name, values) in headers)
        {
            if (ObjectMetadata.IsMetadataHeader(name))
            {
                count++;
                bytes += name.Length + values.Sum(value => value?.Length ?? 0);
            }
        }
        if (count > MaxHeaders || bytes > MaxTotalBytes)
        {
            return TypedResults.Problem(
                $"An object may carry at most {MaxHeaders} X- metadata headers of {MaxTotalBytes} bytes in all; this upload has {count} of {bytes} bytes.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Too much metadata");
        }
        return await next(context);
    }
}
