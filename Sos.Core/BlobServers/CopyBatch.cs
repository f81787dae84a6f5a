namespace Sos.Core.BlobServers;

/// <summary>
/// Not in the original sos: many small copies written to one blob server in one request,
/// <c>POST /blobs/batch</c>. The body is <c>multipart/mixed</c>, one part per copy: its bytes,
/// its id in <see cref="IdHeader"/>, its write's <c>Sos-Timestamp</c>, its <c>X-</c> metadata and
/// the <c>traceparent</c> of the upload it belongs to. The answer is one <see cref="StoredObject"/>
/// per part, in order, whose status is <see cref="Stored"/> only once that copy is durable.
/// </summary>
public static class CopyBatch
{
    public const string Route = "blobs/batch";

    /// <summary>The header of a part that names the object its bytes are a copy of.</summary>
    public const string IdHeader = "Sos-Id";

    /// <summary>The header of a part that carries the trace context of the upload it belongs to.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The most copies one batch may carry.</summary>
    public const int MaxCopies = 64;

    /// <summary>The largest copy a batch may carry; larger ones are written one request each.</summary>
    public const int MaxCopyBytes = 64 * 1024;

    /// <summary>The status of a copy the server made durable; any other status names why it did not.</summary>
    public const string Stored = "OK";
}
