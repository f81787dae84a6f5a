using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>A small object whose bytes were checked against its id, with everything its response needs.</summary>
public sealed record CachedObject(ObjectHeaders Headers, byte[] Bytes);

/// <summary>
/// Hot small objects kept in memory, bounded by their total size, so that a repeated fetch is
/// answered without asking a blob server. The bytes behind an id never change, so an entry is
/// never stale and has no expiry; the least recently used go first when the bound is reached.
/// Only bytes already checked against their id are taken in.
/// </summary>
public sealed class ObjectCache : IDisposable
{
    /// <summary>
    /// What an entry costs beyond its bytes and metadata text: the cache's entry, the boxed key,
    /// the records, the array and dictionary headers. An estimate, so that many tiny objects
    /// cannot overrun the bound through their bookkeeping.
    /// </summary>
    internal const long EntryOverheadBytes = 512;

    // Its own instance rather than the app's IMemoryCache: the bound is this cache's alone.
    private readonly MemoryCache? _cache;
    private readonly long _maxObjectBytes;

    public ObjectCache(IOptions<ObjectCacheOptions> options)
    {
        var settings = options.Value;
        _maxObjectBytes = settings.MaxObjectBytes;
        if (settings.MaxBytes > 0)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = settings.MaxBytes, TrackStatistics = true });
        }
    }

    /// <summary>How many objects the cache holds.</summary>
    public long Count => _cache?.Count ?? 0;

    /// <summary>The estimated memory the cached objects take, never more than the configured MaxBytes.</summary>
    public long Size => _cache?.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    /// <summary>The object with this id, if the cache holds it. Counts a hit or a miss (none when the cache is off).</summary>
    public bool TryGet(ObjectId id, [NotNullWhen(true)] out CachedObject? cached)
    {
        cached = null;
        if (_cache is null)
        {
            return false;
        }
        var hit = _cache.TryGetValue(id, out cached);
        (hit ? DownloadApiTelemetry.CacheHits : DownloadApiTelemetry.CacheMisses).Add(1);
        return hit;
    }

    /// <summary>
    /// Keeps a copy of <paramref name="verified"/>, which the caller has just checked hash to
    /// <paramref name="id"/>, when it is small enough. When the cache is full the object is not
    /// kept this time, and the least recently used entries are evicted in the background.
    /// </summary>
    public void Add(ObjectId id, ObjectHeaders headers, ReadOnlySpan<byte> verified)
    {
        if (_cache is null || verified.Length > _maxObjectBytes)
        {
            return;
        }
        var entry = new CachedObject(headers with { Length = verified.Length }, verified.ToArray());
        _cache.Set(id, entry, new MemoryCacheEntryOptions { Size = SizeOf(entry) });
    }

    /// <summary>Evicts this fraction of the entries now, least recently used first.</summary>
    internal void Compact(double fraction) => _cache?.Compact(fraction);

    public void Dispose() => _cache?.Dispose();

    private static long SizeOf(CachedObject entry) =>
        entry.Bytes.Length + EntryOverheadBytes + entry.Headers.Metadata.Sum(pair => 2L * (pair.Key.Length + pair.Value.Length));
}
