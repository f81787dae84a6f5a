using Microsoft.Extensions.DependencyInjection;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Tests.Fakes;

namespace Sos.Tests.Cluster;

/// <summary>The cluster layer against blob servers that answer as the original sos blob-server does.</summary>
public sealed class OriginalProtocolTests : IAsyncLifetime
{
    private OriginalBlobServer _first = null!;
    private OriginalBlobServer _second = null!;
    private ServiceProvider _services = null!;

    private ClusterClient Cluster => _services.GetRequiredService<ClusterClient>();

    public async Task InitializeAsync()
    {
        _first = await OriginalBlobServer.StartAsync();
        _second = await OriginalBlobServer.StartAsync();
        _services = ClusterHost.Services([_first.Address, _second.Address]);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task CopiesWrittenToOriginalBlobServersCarryBytesAndMetadata()
    {
        var bytes = TestBytes.Random(100_000, 1);
        var id = TestBytes.IdOf(bytes);

        var result = await Cluster.WriteCopiesAsync(id, bytes.Length, () => new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" },
            copies: 2, exclude: [], TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(2, result.Written.Count);
        foreach (var server in new[] { _first, _second })
        {
            Assert.Equal(bytes, server.Copies[id.ToString()].Bytes);
            Assert.Equal("image/png", server.Copies[id.ToString()].Metadata["X-Mime-Type"]);
        }
    }

    [Fact]
    public async Task SmallCopiesForOriginalBlobServersAreWrittenOneRequestEachWhenTheyTakeNoBatches()
    {
        var objects = Enumerable.Range(0, 8).Select(seed => TestBytes.Random(4096, 100 + seed)).ToArray();

        var results = await Task.WhenAll(objects.Select(bytes => Cluster.WriteCopiesAsync(TestBytes.IdOf(bytes), bytes.Length, () => new MemoryStream(bytes),
            new Dictionary<string, string> { ["X-Orig-Filename"] = "small.bin" }, copies: 2, exclude: [], TimeSpan.FromSeconds(30), CancellationToken.None)));

        Assert.All(results, result => Assert.Equal(2, result.Written.Count));
        foreach (var bytes in objects)
        {
            foreach (var server in new[] { _first, _second })
            {
                Assert.Equal(bytes, server.Copies[TestBytes.IdOf(bytes).ToString()].Bytes);
                Assert.Equal("small.bin", server.Copies[TestBytes.IdOf(bytes).ToString()].Metadata["X-Orig-Filename"]);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(ClusterClient.DefaultCheckFirstMaxBytes - 1)]
    [InlineData(ClusterClient.DefaultCheckFirstMaxBytes)]
    [InlineData(300_000)]
    public async Task AWholeObjectSentChunkedIsReadWhole(int length)
    {
        var bytes = TestBytes.Random(length, 2);
        _first.Hold(bytes, ("X-Orig-Filename", "a.bin"));
        _second.Hold(bytes, ("X-Orig-Filename", "a.bin"));

        using var read = await Cluster.ReadAsync(TestBytes.IdOf(bytes), range: null, ClusterClient.DefaultCheckFirstMaxBytes, CancellationToken.None);

        Assert.Equal(ReadStatus.Found, read.Status);
        Assert.Equal("a.bin", read.Info!.Metadata["X-Orig-Filename"]);
        Assert.Equal(bytes, await ReadAllAsync(read.Body!));
        // Small ones are read whole and checked before the answer; the length is then known.
        Assert.Equal(length < ClusterClient.DefaultCheckFirstMaxBytes, read.CheckedBytes is not null);
        Assert.Equal(length < ClusterClient.DefaultCheckFirstMaxBytes ? length : null, read.Info.Length);
    }

    [Theory]
    [InlineData(10L, 19L, 10L, 10L)]
    [InlineData(299_990L, null, 299_990L, 10L)]
    [InlineData(null, 5L, 299_995L, 5L)]
    [InlineData(5L, 10_000_000L, 5L, 299_995L)]
    public async Task ARangeAnsweredWithTheWholeCopyIsCutOutOfIt(long? from, long? to, long offset, long count)
    {
        var bytes = TestBytes.Random(300_000, 3);
        _first.Hold(bytes);

        using var read = await Cluster.ReadAsync(TestBytes.IdOf(bytes), new ByteRange(from, to), 0, CancellationToken.None);

        Assert.Equal(ReadPart.Partial, read.Part);
        Assert.Equal(new ObjectPart(offset, count, bytes.Length), read.Range);
        Assert.Equal(bytes.AsSpan((int)offset, (int)count).ToArray(), await ReadAllAsync(read.Body!));
    }

    [Fact]
    public async Task ARangePastTheEndOfAnOriginalCopyIsUnsatisfiable()
    {
        var bytes = TestBytes.Random(1000, 4);
        _first.Hold(bytes);

        using var read = await Cluster.ReadAsync(TestBytes.IdOf(bytes), new ByteRange(1000, null), 0, CancellationToken.None);

        Assert.Equal(ReadPart.Unsatisfiable, read.Part);
        Assert.Equal(1000, read.Info!.Length);
    }

    [Fact]
    public async Task HeadersWithoutALengthAreCompletedByMeasuringTheCopy()
    {
        var bytes = TestBytes.Random(200_000, 5);
        _first.Hold(bytes, ("X-Mime-Type", "text/plain"));

        using var read = await Cluster.StatAsync(TestBytes.IdOf(bytes), CancellationToken.None);

        Assert.Equal(ReadStatus.Found, read.Status);
        Assert.Equal(bytes.Length, read.Info!.Length);
        Assert.Equal("text/plain", read.Info.Metadata["X-Mime-Type"]);
    }

    [Fact]
    public async Task TheOriginalPlainText404IsMissing()
    {
        using var read = await Cluster.ReadAsync(TestBytes.IdOf([1, 2, 3]), range: null, 1024, CancellationToken.None);

        Assert.Equal(ReadStatus.Missing, read.Status);
        Assert.Equal(0, read.Failures);
    }

    [Fact]
    public async Task ASmallBadChunkedCopyIsPassedOverForAGoodOne()
    {
        var bytes = TestBytes.Random(5000, 6);
        _first.Hold(bytes);
        _second.Hold(bytes);
        _first.Serve = _second.Serve = Rot;
        using var bad = await Cluster.ReadAsync(TestBytes.IdOf(bytes), range: null, ClusterClient.DefaultCheckFirstMaxBytes, CancellationToken.None);
        Assert.Equal(ReadStatus.Unavailable, bad.Status);

        _second.Serve = good => good;
        using var read = await Cluster.ReadAsync(TestBytes.IdOf(bytes), range: null, ClusterClient.DefaultCheckFirstMaxBytes, CancellationToken.None);
        Assert.Equal(bytes, await ReadAllAsync(read.Body!));
    }

    [Fact]
    public async Task ALargeBadChunkedCopyNeverCompletes()
    {
        var bytes = TestBytes.Random(300_000, 7);
        _first.Hold(bytes);
        _second.Hold(bytes);
        _first.Serve = _second.Serve = Rot;

        using var read = await Cluster.ReadAsync(TestBytes.IdOf(bytes), range: null, ClusterClient.DefaultCheckFirstMaxBytes, CancellationToken.None);

        Assert.Equal(ReadStatus.Found, read.Status);
        await Assert.ThrowsAsync<CorruptCopyException>(() => ReadAllAsync(read.Body!));
    }

    [Fact]
    public async Task AnUnpagedListingIsOnePageInOrder()
    {
        var ids = Enumerable.Range(0, 5).Select(i => TestBytes.Random(10, 100 + i)).Select(bytes => { _first.Hold(bytes); return TestBytes.IdOf(bytes); }).ToList();

        var page = await Cluster.ListPageAsync(Cluster.Servers[0], after: null, limit: 2, CancellationToken.None);
        var rest = await Cluster.ListPageAsync(Cluster.Servers[0], after: ids.Min(), limit: 2, CancellationToken.None);

        Assert.True(page!.IsLast);
        Assert.Equal(ids.Order(), page.Ids);
        Assert.Equal(ids.Order().Skip(1), rest!.Ids);
    }

    private static byte[] Rot(byte[] bytes)
    {
        var rotten = (byte[])bytes.Clone();
        rotten[^1] ^= 0xff;
        return rotten;
    }

    private static async Task<byte[]> ReadAllAsync(Stream body)
    {
        using var received = new MemoryStream();
        await body.CopyToAsync(received);
        return received.ToArray();
    }
}
