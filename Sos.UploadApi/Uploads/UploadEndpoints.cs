using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;

namespace Sos.UploadApi.Uploads;

/// <summary>The public write path, wire-compatible with the original sos: <c>POST /upload</c>.</summary>
public static class UploadEndpoints
{
    public static RouteGroupBuilder MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapPost("/upload", Upload);
        return group;
    }

    private static async Task<Results<Ok<StoredObject>, ProblemHttpResult>> Upload(
        HttpRequest request, ObjectUploader uploader, IOptions<UploadOptions> options, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxObjectBytes;
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }
        UploadResult result;
        try
        {
            result = await uploader.UploadAsync(request.Body, ObjectMetadata.FromHeaders(request.Headers), cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectTooLargeException || ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            return TooLarge(maxBytes);
        }

        if (!result.IsDurable)
        {
            var failures = string.Join("; ", result.Copies.Failures.Select(failure => $"{failure.Server.Name}: {failure.Error.Message}"));
            return TypedResults.Problem(
                $"Only {result.Copies.Written.Count} of the {result.RequiredCopies} required copies of {result.Content.Id} could be written, so the upload is not acknowledged. {failures}",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Not enough blob servers");
        }
        return TypedResults.Ok(new StoredObject(result.Content.Id.ToString(), result.Content.Size, "OK"));
    }

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem($"Objects are limited to {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Object too large");
}
