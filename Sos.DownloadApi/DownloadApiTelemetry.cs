using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.DownloadApi;

internal static class DownloadApiTelemetry
{
    public const string Name = "Sos.DownloadApi";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "sos.fetch.requests", "{request}", "Fetches handled, whatever their outcome: the denominator of blob requests per fetch.");

    public static readonly Counter<long> CacheHits = Meter.CreateCounter<long>(
        "sos.fetch.cache_hits", "{request}", "Whole fetches (GET, HEAD, 304) answered from the cache, without a blob server.");

    public static readonly Counter<long> CacheMisses = Meter.CreateCounter<long>(
        "sos.fetch.cache_misses", "{request}", "Whole fetches the cache was asked for and did not hold (none while it is off).");

    public static readonly Counter<long> BlobRequests = Meter.CreateCounter<long>(
        "sos.fetch.blob_requests", "{request}", "Requests made to blob servers (or reads of their directories) to answer fetches: about one per fetch while all servers are up.");

    public static readonly Counter<long> Fallbacks = Meter.CreateCounter<long>(
        "sos.fetch.fallbacks", "{request}", "Blob servers that failed a read, so the next one in rendezvous order was asked.");
}
