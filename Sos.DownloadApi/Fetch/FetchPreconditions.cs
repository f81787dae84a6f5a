using Microsoft.AspNetCore.Http.Headers;
using Microsoft.Net.Http.Headers;
using Sos.Core.Cluster;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Decides what a fetch answers from its method and headers alone, before any I/O: the bytes
/// behind an id never change, so every precondition can be settled knowing only the id.
/// </summary>
public static class FetchPreconditions
{
    public static FetchPlan Decide(HttpRequest request, ObjectId id)
    {
        var headers = request.GetTypedHeaders();
        var etag = ETagOf(id);
        if (IsNotModified(headers, etag))
        {
            return FetchPlan.NotModified;
        }
        if (HttpMethods.IsHead(request.Method))
        {
            return FetchPlan.HeadersOnly;
        }
        return SingleRange(headers, etag) is { } range ? new FetchPlan(FetchKind.Range, range) : FetchPlan.Whole;
    }

    /// <summary>The strong ETag of an object: its id.</summary>
    public static EntityTagHeaderValue ETagOf(ObjectId id) => new($"\"{id}\"");

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
    /// The one byte range asked for, or null to send the whole object: no Range, a unit other
    /// than bytes, several ranges (answered whole, as RFC 9110 allows), or an If-Range naming other
    /// bytes. An If-Range date always holds, since an object never changes.
    /// </summary>
    private static ByteRange? SingleRange(RequestHeaders request, EntityTagHeaderValue etag)
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
        return new ByteRange(only.From, only.To);
    }
}
