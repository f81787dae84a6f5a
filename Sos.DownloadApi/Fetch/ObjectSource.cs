using System.Diagnostics;
using Sos.Core.Cluster;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Where a fetch's object comes from: the cache of hot small objects, or the cluster. It owns
/// both the reading and the filling of the cache, so the endpoint only maps its answer to HTTP.
/// </summary>
public sealed class ObjectSource(ClusterClient cluster, ObjectCache cache)
{
    /// <summary>
    /// Objects up to this size are read whole and checked before the first byte goes out, so a
    /// bad copy costs a retry on the next server and not the client's download; they alone can
    /// enter the cache. Larger ones are checked as they stream. Kept small because a slow reader
    /// holds this buffer until its response ends.
    /// </summary>
    public const int CheckFirstMaxBytes = ClusterClient.DefaultCheckFirstMaxBytes;

    public async Task<FetchedObject> GetAsync(ObjectId id, FetchPlan plan, CancellationToken cancellationToken)
    {
        // Whole answers (GET, HEAD, 304) can come from memory; a range goes to the blob servers.
        if (plan.Kind != FetchKind.Range && cache.TryGet(id, out var cached))
        {
            Activity.Current?.SetTag("sos.fetch.cache_hit", true);
            if (cache.IsDue(cached))
            {
                // The id may have been deleted since it was cached: one HEAD confirms it. When no
                // server answers, the cached bytes are still served (they are right for the id).
                using var stat = await cluster.StatAsync(id, cancellationToken);
                if (stat.Status == ReadStatus.Missing)
                {
                    cache.Remove(id);
                    return new FetchedObject(FetchOutcome.Missing);
                }
                if (stat.Status == ReadStatus.Found)
                {
                    var current = ObjectHeaders.Of(stat.Info!) with { Length = cached.Bytes.Length };
                    if (current.Describes(cached.Headers))
                    {
                        cache.Confirm(cached);
                    }
                    else
                    {
                        // Deleted and uploaded again since it was cached: the bytes are still the
                        // id's, the headers are the new upload's.
                        cache.Add(id, current, cached.Bytes);
                        cached = new CachedObject(current, cached.Bytes, default);
                    }
                }
            }
            return new FetchedObject(FetchOutcome.Found, cached.Headers) { Bytes = plan.Kind == FetchKind.Whole ? cached.Bytes : default };
        }
        Activity.Current?.SetTag("sos.fetch.cache_hit", false);

        var read = plan.Kind switch
        {
            FetchKind.NotModified or FetchKind.HeadersOnly => await cluster.StatAsync(id, cancellationToken),
            FetchKind.Range => await cluster.ReadAsync(id, plan.Range, checkFirstMaxBytes: 0, cancellationToken),
            _ => await cluster.ReadAsync(id, range: null, CheckFirstMaxBytes, cancellationToken),
        };
        DownloadApiTelemetry.BlobRequests.Add(read.Requests);
        DownloadApiTelemetry.Fallbacks.Add(read.Failures);
        if (read.Status != ReadStatus.Found)
        {
            read.Dispose();
            return new FetchedObject(read.Status == ReadStatus.Missing ? FetchOutcome.Missing : FetchOutcome.Unavailable);
        }
        var headers = ObjectHeaders.Of(read.Info!);
        if (read.CheckedBytes is { } checkedBytes)
        {
            // Only here are the bytes known to hash to the id before anyone sees them.
            cache.Add(id, headers, checkedBytes.Span);
        }
        return read.Part switch
        {
            ReadPart.Unsatisfiable => Disposed(read, new FetchedObject(FetchOutcome.Unsatisfiable, headers, read.Range)),
            ReadPart.Partial => new FetchedObject(FetchOutcome.Partial, headers, read.Range, read.Body, read),
            // Bytes read and checked whole go out as they are, in one write; the read owns them.
            _ when read.CheckedBytes is { } bytes => new FetchedObject(FetchOutcome.Found, headers, owner: read) { Bytes = bytes },
            _ => new FetchedObject(FetchOutcome.Found, headers, body: read.Body, owner: read),
        };
    }

    private static FetchedObject Disposed(ObjectRead read, FetchedObject fetched)
    {
        read.Dispose();
        return fetched;
    }
}
