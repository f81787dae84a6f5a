using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Hot small objects kept in memory, bounded by their total size, so that a repeated fetch is
/// answered without asking a blob server. The bytes behind an id never change, but an id can be
/// deleted: an entry whose existence was last confirmed longer than
/// <see cref="ObjectCacheOptions.RecheckAfter"/> ago is answered only after the blob servers
/// confirm it again (<see cref="IsDue"/>). The least recently used go first when the bound is
/// reached. Only bytes already checked against their id are taken in.
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
    private readonly TimeSpan _recheckAfter;
    private readonly TimeProvider _time;

    public ObjectCache(IOptions<ObjectCacheOptions> options, TimeProvider? time = null)
    {
        var settings = options.Value;
        _maxObjectBytes = settings.MaxObjectBytes;
        _recheckAfter = settings.RecheckAfter;
        _time = time ?? TimeProvider.System;
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
        var entry = new CachedObject(headers with { Length = verified.Length }, verified.ToArray(), _time.GetUtcNow());
        _cache.Set(id, entry, new MemoryCacheEntryOptions { Size = SizeOf(entry) });
    }

    /// <summary>Whether the entry's existence must be confirmed by the blob servers before it is answered.</summary>
    public bool IsDue(CachedObject cached) => _time.GetUtcNow() - cached.ConfirmedAt >= _recheckAfter;

    /// <summary>The blob servers confirmed the object still exists: the entry is good for another <see cref="ObjectCacheOptions.RecheckAfter"/>.</summary>
    public void Confirm(CachedObject cached) => cached.ConfirmedAt = _time.GetUtcNow();

    /// <summary>Drops an entry whose object is gone (deleted).</summary>
    public void Remove(ObjectId id) => _cache?.Remove(id);

    /// <summary>Evicts this fraction of the entries now, least recently used first.</summary>
    internal void Compact(double fraction) => _cache?.Compact(fraction);

    public void Dispose() => _cache?.Dispose();

    private static long SizeOf(CachedObject entry) =>
        entry.Bytes.Length + EntryOverheadBytes + entry.Headers.Metadata.Sum(pair => 2L * (pair.Key.Length + pair.Value.Length));
}
