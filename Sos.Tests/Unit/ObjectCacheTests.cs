using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.DownloadApi.Fetch;

namespace Sos.Tests.Unit;

public sealed class ObjectCacheTests
{
    private static readonly DateTimeOffset Uploaded = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    [Fact]
    public void EveryLookupReturnsTheObjectWhoseBytesHashToTheIdAskedFor()
    {
        using var cache = Cache(maxBytes: 64L * 1024 * 1024);
        var ids = new List<ObjectId>();
        for (var i = 0; i < 500; i++)
        {
            var bytes = TestBytes.Random(i * 7, seed: i);
            var id = TestBytes.IdOf(bytes);
            cache.Add(id, Headers(bytes.Length, ("X-Seq", $"{i}")), bytes);
            ids.Add(id);
        }

        for (var i = 0; i < ids.Count; i++)
        {
            Assert.True(cache.TryGet(ids[i], out var cached), $"object {i} is missing");
            Assert.Equal(ids[i], TestBytes.IdOf(cached.Bytes));
            Assert.Equal($"{i}", cached.Headers.Metadata["X-Seq"]);
            Assert.Equal(i * 7, cached.Headers.Length);
            Assert.Equal(Uploaded, cached.Headers.LastModified);
        }
        Assert.False(cache.TryGet(TestBytes.IdOf([1, 2, 3]), out _));
    }

    [Fact]
    public void TheCacheKeepsItsOwnCopyOfTheBytes()
    {
        using var cache = Cache(maxBytes: 1024 * 1024);
        var bytes = TestBytes.Random(4096, seed: 7);
        var id = TestBytes.IdOf(bytes);
        var pooled = (byte[])bytes.Clone();

        cache.Add(id, Headers(bytes.Length), pooled);
        Array.Fill(pooled, (byte)0);

        Assert.True(cache.TryGet(id, out var cached));
        Assert.Equal(bytes, cached.Bytes);
    }

    [Fact]
    public void FarMoreObjectsThanFitStayWithinTheByteBoundAndNewOnesStillGetIn()
    {
        const long maxBytes = 256 * 1024;
        const int objectBytes = 4096;
        using var cache = Cache(maxBytes);

        for (var i = 0; i < 2000; i++)
        {
            var bytes = TestBytes.Random(objectBytes, seed: i);
            cache.Add(TestBytes.IdOf(bytes), Headers(objectBytes), bytes);
            Assert.InRange(cache.Size, 0, maxBytes);
        }

        Assert.InRange(cache.Count, 1, maxBytes / (objectBytes + ObjectCache.EntryOverheadBytes));
        // Room made now, as the background compaction of a full cache does: a new hot object gets in.
        cache.Compact(0.25);
        var fresh = TestBytes.Random(objectBytes, seed: -1);
        cache.Add(TestBytes.IdOf(fresh), Headers(objectBytes), fresh);
        Assert.True(cache.TryGet(TestBytes.IdOf(fresh), out var cached));
        Assert.Equal(fresh, cached.Bytes);
        Assert.InRange(cache.Size, 0, maxBytes);
    }

    [Fact]
    public void ObjectsLargerThanMaxObjectBytesAreNeverCached()
    {
        using var cache = Cache(maxBytes: 1024 * 1024, maxObjectBytes: 1000);
        var fits = TestBytes.Random(1000, seed: 1);
        var tooLarge = TestBytes.Random(1001, seed: 2);

        cache.Add(TestBytes.IdOf(fits), Headers(fits.Length), fits);
        cache.Add(TestBytes.IdOf(tooLarge), Headers(tooLarge.Length), tooLarge);

        Assert.True(cache.TryGet(TestBytes.IdOf(fits), out _));
        Assert.False(cache.TryGet(TestBytes.IdOf(tooLarge), out _));
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void MaxBytesZeroCachesNothing()
    {
        using var cache = Cache(maxBytes: 0);
        var bytes = TestBytes.Random(100, seed: 3);

        cache.Add(TestBytes.IdOf(bytes), Headers(bytes.Length), bytes);

        Assert.False(cache.TryGet(TestBytes.IdOf(bytes), out _));
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Size);
    }

    [Fact]
    public void MaxObjectBytesAboveWhatIsCheckedBeforeSendingIsRefusedAtStart()
    {
        var options = new ObjectCacheOptions { MaxObjectBytes = ObjectSource.CheckFirstMaxBytes + 1 };

        var valid = Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);

        Assert.False(valid);
    }

    [Fact]
    public async Task AReadEnteringTheCacheIsTheGoodCopyNeverTheRottenOneBeforeIt()
    {
        var bytes = TestBytes.Random(5000, seed: 4);
        var id = TestBytes.IdOf(bytes);
        var rotten = (byte[])bytes.Clone();
        rotten[2500] ^= 0xff;
        var cluster = Cluster();
        var preferred = cluster.Rank(id)[0].Name;
        using var cache = Cache(maxBytes: 1024 * 1024);

        var read = await ReadWholeAsync(cluster, cache, id, server => server == preferred ? rotten : bytes);

        Assert.Equal(bytes, read);
        Assert.True(cache.TryGet(id, out var cached));
        Assert.Equal(bytes, cached.Bytes);
        Assert.Equal("report.pdf", cached.Headers.Metadata["X-Orig-Filename"]);
    }

    [Fact]
    public async Task WhenEveryCopyIsRottenNothingEntersTheCache()
    {
        var bytes = TestBytes.Random(5000, seed: 5);
        var id = TestBytes.IdOf(bytes);
        var rotten = (byte[])bytes.Clone();
        rotten[0] ^= 0xff;
        using var cache = Cache(maxBytes: 1024 * 1024);

        var read = await ReadWholeAsync(Cluster(), cache, id, _ => rotten);

        Assert.Null(read);
        Assert.False(cache.TryGet(id, out _));
        Assert.Equal(0, cache.Count);
    }

    private static ObjectCache Cache(long maxBytes, long maxObjectBytes = 64 * 1024) =>
        new(Options.Create(new ObjectCacheOptions { MaxBytes = maxBytes, MaxObjectBytes = maxObjectBytes }));

    private static ObjectHeaders Headers(long length, params (string Name, string Value)[] metadata) =>
        new(length, Uploaded, metadata.ToDictionary(pair => pair.Name, pair => pair.Value));

    private static BlobCluster Cluster() =>
        new(Options.Create(new BlobClusterOptions { BlobServers = ["http://blob0", "http://blob1", "http://blob2"] }));

    /// <summary>A whole read through the locator from blob servers that answer with <paramref name="copyOn"/>; null when none was good.</summary>
    private static async Task<byte[]?> ReadWholeAsync(BlobCluster cluster, ObjectCache cache, ObjectId id, Func<string, byte[]> copyOn)
    {
        using var http = new HttpClient(new CopyHandler(copyOn));
        var source = new ObjectSource(new ClusterClient(http, cluster, NullLogger<ClusterClient>.Instance), cache);
        using var whole = await source.GetAsync(id, FetchPlan.Whole, CancellationToken.None);
        if (whole.Outcome != FetchOutcome.Found)
        {
            return null;
        }
        if (whole.Body is null)
        {
            return whole.Bytes.ToArray();
        }
        using var received = new MemoryStream();
        await whole.Body.CopyToAsync(received);
        return received.ToArray();
    }

    /// <summary>Blob servers answering <c>GET /blob/{id}</c> with the bytes each holds, and metadata.</summary>
    private sealed class CopyHandler(Func<string, byte[]> copyOn) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(copyOn(request.RequestUri!.Host)) };
            response.Headers.TryAddWithoutValidation("X-Orig-Filename", "report.pdf");
            response.Content.Headers.LastModified = Uploaded;
            return Task.FromResult(response);
        }
    }
}
