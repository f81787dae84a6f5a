using Sos.Core.Cluster;

namespace Sos.DownloadApi.Fetch;

/// <summary>What to answer a fetch with, decided from its headers before any byte is read.</summary>
public sealed record FetchPlan(FetchKind Kind, ByteRange? Range = null)
{
    public static readonly FetchPlan NotModified = new(FetchKind.NotModified);
    public static readonly FetchPlan HeadersOnly = new(FetchKind.HeadersOnly);
    public static readonly FetchPlan Whole = new(FetchKind.Whole);
}
