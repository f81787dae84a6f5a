using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;

namespace Sos.Tests.Unit;

public sealed class ScrubAndDeleteTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sos-scrub-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AScrubQuarantinesACopyWithFlippedBytesAndKeepsTheGoodOnes()
    {
        var (store, scrubber) = Create();
        var good = TestBytes.Random(300_000, seed: 11);
        var rotten = TestBytes.Random(5_000, seed: 12);
        await store.StoreAsync(TestBytes.IdOf(good), new MemoryStream(good), new Dictionary<string, string>(), CancellationToken.None);
        await store.StoreAsync(TestBytes.IdOf(rotten), new MemoryStream(rotten), new Dictionary<string, string>(), CancellationToken.None);
        var rottenPath = store.DataPath(TestBytes.IdOf(rotten));
        var flipped = (byte[])rotten.Clone();
        flipped[100] ^= 0xFF;
        await File.WriteAllBytesAsync(rottenPath, flipped); // same length, different bytes

        var report = await scrubber.ScrubAllAsync(bytesPerSecond: 100L * 1024 * 1024, CancellationToken.None);

        Assert.Equal(new { Objects = 2L, Bytes = (long)(good.Length + rotten.Length), Quarantined = 1L },
            new { report.Objects, report.Bytes, report.Quarantined });
        Assert.Null(store.Find(TestBytes.IdOf(rotten)));
        Assert.Equal([TestBytes.IdOf(good)], store.List());
        var quarantined = Directory.GetFiles(Path.Combine(_root, ".quarantine"), $"{TestBytes.IdOf(rotten)}.*");
        Assert.Contains(quarantined, path => !path.EndsWith(".meta", StringComparison.Ordinal) && File.ReadAllBytes(path).SequenceEqual(flipped));
    }

    [Fact]
    public async Task AScrubKeepsToItsRate()
    {
        var (store, scrubber) = Create();
        var bytes = TestBytes.Random(1_000_000, seed: 13);
        await store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), new Dictionary<string, string>(), CancellationToken.None);

        var report = await scrubber.ScrubAllAsync(bytesPerSecond: 2_000_000, CancellationToken.None);

        // 1 MB at 2 MB/s cannot take less than half a second.
        Assert.InRange(report.Duration, TimeSpan.FromSeconds(0.45), TimeSpan.FromSeconds(30));
        Assert.Equal(0, report.Quarantined);
    }

    [Fact]
    public async Task DeleteRemovesTheBytesAndTheMetadata()
    {
        var (store, _) = Create();
        var bytes = TestBytes.Random(2_000, seed: 14);
        var id = TestBytes.IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Orig-Filename"] = "a.txt" }, CancellationToken.None);

        Assert.True(store.Delete(id));

        Assert.False(File.Exists(store.DataPath(id)));
        Assert.False(File.Exists(store.DataPath(id) + ".meta"));
        Assert.Null(store.Find(id));
        Assert.False(store.Delete(id));
    }

    private (BlobStore Store, BlobScrubber Scrubber) Create()
    {
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        var store = new BlobStore(options, new FsyncCommitter(), NullLogger<BlobStore>.Instance);
        return (store, new BlobScrubber(store, options, NullLogger<BlobScrubber>.Instance));
    }
}
