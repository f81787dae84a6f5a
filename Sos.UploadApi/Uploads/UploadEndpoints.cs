using System.Buffers.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;

namespace Sos.UploadApi.Uploads;

/// <summary>The public write path, wire-compatible with the original sos: <c>POST /upload</c>.</summary>
public static class UploadEndpoints
{
    /// <summary>The SHA-1 the client says its body has, as 40 hex characters: the id to expect.</summary>
    public const string Sha1Header = "X-Sos-Sha1";

    public static RouteGroupBuilder MapUploadEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapPost("/upload", Upload);
        return group;
    }

    private static async Task<Results<Ok<StoredObject>, ProblemHttpResult>> Upload(
        HttpRequest request, HttpResponse response, ObjectUploader uploader, IOptions<UploadOptions> options, CancellationToken cancellationToken)
    {
        var maxBytes = options.Value.MaxObjectBytes;
        if (request.ContentLength > maxBytes)
        {
            return TooLarge(maxBytes);
        }
        if (!TryReadExpectedId(request.Headers, out var expectedId, out var digestError))
        {
            return TypedResults.Problem(digestError, statusCode: StatusCodes.Status400BadRequest, title: "Invalid digest");
        }
        var conditions = new UploadConditions(expectedId, OnlyIfAbsent(request.Headers));

        // Answered before the body is read, so a client that sent Expect: 100-continue never sends it.
        if (conditions is { OnlyIfAbsent: true, ExpectedId: { } known })
        {
            var present = await uploader.CountCopiesAsync(known, cancellationToken);
            if (present.Copies >= uploader.RequiredCopies)
            {
                return AlreadyStored(response, known, present.Info?.Length);
            }
        }

        // The digest header describes the upload, not the object: it is not kept as metadata.
        var metadata = ObjectMetadata.FromHeaders(request.Headers);
        metadata.Remove(Sha1Header);
        UploadResult result;
        try
        {
            result = await uploader.UploadAsync(request.Body, request.ContentLength, metadata, conditions, cancellationToken);
        }
        catch (Exception ex) when (ex is ObjectTooLargeException || ex is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            return TooLarge(maxBytes);
        }

        switch (result.Refusal)
        {
            case UploadRefusal.DigestMismatch:
                return TypedResults.Problem($"The body hashes to {result.Content.Id}, not to {expectedId} as announced; nothing was stored.",
                    statusCode: StatusCodes.Status400BadRequest, title: "Digest mismatch");
            case UploadRefusal.AlreadyStored:
                return AlreadyStored(response, result.Content.Id, result.Content.Size);
        }
        if (!result.IsDurable)
        {
            // Which servers failed, and why, is in the logs and the trace; the client needs to know only that nothing was acknowledged.
            return TypedResults.Problem(
                $"Too few storage servers could take the object right now ({result.DurableCopies} of the {result.RequiredCopies} copies it needs), so the upload is not acknowledged. Try again later.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Storage unavailable");
        }
        return TypedResults.Ok(new StoredObject(result.Content.Id.ToString(), result.Content.Size, "OK"));
    }

    /// <summary>
    /// The id the client announces, from <c>X-Sos-Sha1</c> (hex) and/or the RFC 9530
    /// <c>Content-Digest</c> <c>sha</c> member (base64 SHA-1). Other Content-Digest algorithms are
    /// ignored; a malformed value, or two that disagree, is an error.
    /// </summary>
    private static bool TryReadExpectedId(IHeaderDictionary headers, out ObjectId? expected, out string error)
    {
        expected = null;
        error = "";
        if (headers.TryGetValue(Sha1Header, out var hex))
        {
            if (!ObjectId.TryParse(hex.ToString().Trim().ToLowerInvariant(), out var fromHex))
            {
                error = $"{Sha1Header} must be 40 hex characters, the SHA-1 of the body.";
                return false;
            }
            expected = fromHex;
        }
        Span<byte> digest = stackalloc byte[ObjectId.ByteLength + 2];
        foreach (var member in headers["Content-Digest"].SelectMany(value => (value ?? "").Split(',')))
        {
            var equals = member.IndexOf('=', StringComparison.Ordinal);
            if (equals < 0 || !member[..equals].Trim().Equals("sha", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            var value = member[(equals + 1)..].Trim();
            if (value.Length < 2 || value[0] != ':' || value[^1] != ':'
                || Base64.DecodeFromUtf8(System.Text.Encoding.ASCII.GetBytes(value[1..^1]), digest, out _, out var written) != System.Buffers.OperationStatus.Done
                || written != ObjectId.ByteLength)
            {
                error = "Content-Digest sha must be the base64 SHA-1 of the body between colons (sha=:...:).";
                return false;
            }
            var fromDigest = ObjectId.FromDigest(digest[..ObjectId.ByteLength]);
            if (expected is { } other && other != fromDigest)
            {
                error = $"{Sha1Header} and Content-Digest name different digests.";
                return false;
            }
            expected = fromDigest;
        }
        return true;
    }

    private static bool OnlyIfAbsent(IHeaderDictionary headers) =>
        headers.IfNoneMatch.Any(value => value?.Trim() == "*");

    /// <summary>
    /// 412, as RFC 9110 says for If-None-Match: * when the target exists (and as S3 answers a
    /// conditional write): the object already has its copies and nothing was written. The
    /// problem names the id and size, and ETag the id, so the client has what a 200 would give.
    /// </summary>
    private static ProblemHttpResult AlreadyStored(HttpResponse response, ObjectId id, long? size)
    {
        response.Headers.ETag = $"\"{id}\"";
        return TypedResults.Problem($"{id} is already stored with its copies; nothing was sent or written.",
            statusCode: StatusCodes.Status412PreconditionFailed, title: "Already stored",
            extensions: new Dictionary<string, object?> { ["id"] = id.ToString(), ["size"] = size });
    }

    private static ProblemHttpResult TooLarge(long maxBytes) =>
        TypedResults.Problem($"Objects are limited to {maxBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Object too large");
}
