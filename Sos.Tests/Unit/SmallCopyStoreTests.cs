using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

/// <summary>A store's small copies, kept in its small-object log: stored in batches, found, read, checked, deleted.</summary>
public sealed class SmallCopyStoreTests : IDisposable
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    private static readonly HybridTimestamp Early = HybridTimestamp.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sos-unit-{Guid.NewGuid():N}");

    private string QuarantineFolder => Path.Combine(_root, ".quarantine");

    private string TrashFolder => Path.Combine(_root, ".trash");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task CopiesStoredTogetherAreKeptInTheLogAndFoundAgainAfterARestart()
    {
        var copies = Enumerable.Range(0, 4)
            .Select(i => Copy(RandomBytes(500 + (i * 3000), seed: i), new Dictionary<string, string> { ["X-Orig-Filename"] = $"file-{i}.bin" }, At(i)))
            .ToList();
        using (var store = CreateStore())
        {
            var results = await store.StoreSmallAsync(copies, CancellationToken.None);

            Assert.Equal(copies.Select(copy => new StoreResult(StoreStatus.Stored, new HashedContent(copy.Id, copy.Bytes.Length))), results);
            foreach (var copy in copies)
            {
                Assert.False(File.Exists(Path.Combine(_root, ShardLayout.RelativePath(copy.Id))), $"{copy.Id} was written as a file of its own");
                AssertFound(store, copy);
            }
        }

        using var reopened = CreateStore();
        copies.ForEach(copy => AssertFound(reopened, copy));
        Assert.Equal(copies.Select(copy => copy.Id).Order(), reopened.List());
    }

    [Fact]
    public async Task ACopyWhoseBytesDoNotHashToItsIdIsRefusedAndNothingIsStored()
    {
        var good = Copy(RandomBytes(1000, seed: 10), NoMetadata, At(0));
        var bytes = RandomBytes(1000, seed: 11);
        var claimed = TestBytes.IdOf(RandomBytes(1000, seed: 12));
        using var store = CreateStore();

        var results = await store.StoreSmallAsync([good, new SmallCopy(claimed, bytes, NoMetadata, At(0))], CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, results[0].Status);
        Assert.Equal(new StoreResult(StoreStatus.HashMismatch, new HashedContent(TestBytes.IdOf(bytes), bytes.Length)), results[1]);
        Assert.Null(store.Find(claimed));
        Assert.Null(store.Find(TestBytes.IdOf(bytes)));
        Assert.Null(DiskCopies.Find(_root, claimed.ToString()));
        Assert.Null(DiskCopies.Find(_root, TestBytes.IdOf(bytes).ToString()));
        Assert.Equal([good.Id], store.List());
    }

    [Fact]
    public async Task ALogCopyWhoseBytesWereDamagedIsNotReturnedButQuarantined()
    {
        var copy = Copy(RandomBytes(5000, seed: 20), new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" }, At(0));
        var other = Copy(RandomBytes(5000, seed: 21), NoMetadata, At(0));
        using (var store = CreateStore())
        {
            await StoreAll(store, copy, other);
        }
        // A restart between the write and the damage: the log's newest records are not the damaged one's.
        using (var store = CreateStore())
        {
            DiskCopies.Corrupt(_root, copy.Id.ToString(), at: 1234);
            var found = store.Find(copy.Id);
            Assert.NotNull(found);

            Assert.Null(store.ReadLogged(found));

            Assert.Null(store.Find(copy.Id));
            var quarantined = Assert.Single(Directory.GetFiles(QuarantineFolder), path => !path.EndsWith(".meta", StringComparison.Ordinal));
            Assert.StartsWith(copy.Id + ".", Path.GetFileName(quarantined), StringComparison.Ordinal);
            var kept = await File.ReadAllBytesAsync(quarantined);
            Assert.Equal(copy.Bytes.Length, kept.Length);
            Assert.NotEqual(copy.Bytes, kept);
            Assert.True(File.Exists(quarantined + ".meta"));
            Assert.Equal([other.Id], store.List());
        }

        using var reopened = CreateStore();
        Assert.Null(reopened.Find(copy.Id));
        AssertFound(reopened, other);
        Assert.Equal([other.Id], reopened.List());
    }

    [Fact]
    public async Task ACopyStoredAfterOneThatIsDamagedLaterIsStillFoundAfterARestart()
    {
        var damaged = Copy(RandomBytes(5000, seed: 25), NoMetadata, At(0));
        var sameBatch = Copy(RandomBytes(5000, seed: 26), NoMetadata, At(0));
        var laterBatch = Copy(RandomBytes(5000, seed: 27), NoMetadata, At(0));
        using (var store = CreateStore())
        {
            await StoreAll(store, damaged, sameBatch);
            await StoreAll(store, laterBatch);
        }
        // One byte of the first copy goes bad on the disk while the server is down: the other two were acknowledged and are intact.
        DiskCopies.Corrupt(_root, damaged.Id.ToString(), at: 100);

        using var reopened = CreateStore();

        AssertFound(reopened, sameBatch);
        AssertFound(reopened, laterBatch);
        Assert.Null(reopened.Find(damaged.Id));
    }

    [Fact]
    public async Task ACheckFindsADamagedLogCopyBadAndQuarantinesItAndAnIntactOneGood()
    {
        var damaged = Copy(RandomBytes(3000, seed: 30), NoMetadata, At(0));
        var intact = Copy(RandomBytes(3000, seed: 31), NoMetadata, At(0));
        using var store = CreateStore();
        await StoreAll(store, damaged, intact);
        DiskCopies.Corrupt(_root, damaged.Id.ToString(), at: 0);

        var bad = await store.CheckAsync(damaged.Id, spend: null, CancellationToken.None);
        var good = await store.CheckAsync(intact.Id, spend: null, CancellationToken.None);

        Assert.Equal(CopyState.Bad, bad.State);
        Assert.NotNull(bad.Reason);
        Assert.Equal(new CopyCheck(CopyState.Good, intact.Bytes.Length, null), good);
        Assert.Null(store.Find(damaged.Id));
        var quarantined = Assert.Single(Directory.GetFiles(QuarantineFolder), path => !path.EndsWith(".meta", StringComparison.Ordinal));
        Assert.StartsWith(damaged.Id + ".", Path.GetFileName(quarantined), StringComparison.Ordinal);
        AssertFound(store, intact);
        Assert.Equal(CopyState.Missing, (await store.CheckAsync(damaged.Id, spend: null, CancellationToken.None)).State);
    }

    [Fact]
    public async Task ALaterTombstoneTrashesALogCopyAndAWriteFromBeforeItIsRefused()
    {
        var copy = Copy(RandomBytes(2000, seed: 40), NoMetadata, At(0));
        using (var store = CreateStore())
        {
            await StoreAll(store, copy);

            var tombstone = await store.WriteTombstoneAsync(copy.Id, At(100), CancellationToken.None);

            Assert.Equal(new TombstoneWrite(TombstoneStatus.Deleted, At(100), Held: true), tombstone);
            Assert.Null(store.Find(copy.Id));
            Assert.Empty(store.List());
            var trashed = Assert.Single(Directory.GetFiles(TrashFolder), path => !path.EndsWith(".meta", StringComparison.Ordinal));
            Assert.StartsWith(copy.Id + ".", Path.GetFileName(trashed), StringComparison.Ordinal);
            Assert.Equal(copy.Bytes, await File.ReadAllBytesAsync(trashed));

            var refused = await store.StoreSmallAsync([copy with { Stamp = At(50) }, copy with { Stamp = At(100) }], CancellationToken.None);

            Assert.All(refused, result => Assert.Equal(StoreStatus.Deleted, result.Status));
            Assert.Null(store.Find(copy.Id));
        }

        using var reopened = CreateStore();
        Assert.Null(reopened.Find(copy.Id));
        Assert.Null(DiskCopies.Find(_root, copy.Id.ToString()));
        Assert.Equal(StoreStatus.Deleted, (await reopened.StoreSmallAsync([copy with { Stamp = At(99) }], CancellationToken.None))[0].Status);
        Assert.Null(reopened.Find(copy.Id));
    }

    [Fact]
    public async Task AWriteOfAHeldLogCopyKeepsTheFirstMetadata()
    {
        var bytes = RandomBytes(4000, seed: 50);
        var first = Copy(bytes, new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" }, At(0));
        var again = Copy(bytes, new Dictionary<string, string> { ["X-Mime-Type"] = "image/png", ["X-Orig-Filename"] = "other.png" }, At(10));
        using (var store = CreateStore())
        {
            await StoreAll(store, first);

            await StoreAll(store, again);

            var found = store.Find(first.Id);
            Assert.NotNull(found);
            Assert.Equal(first.Metadata, found.Metadata);
            Assert.Equal(At(10), found.Stamp);
            Assert.Equal(bytes, store.ReadLogged(found));
        }

        using var reopened = CreateStore();
        Assert.Equal(first.Metadata, reopened.Find(first.Id)!.Metadata);
        Assert.Equal([first.Id], reopened.List());
    }

    [Fact]
    public async Task AListHoldsLogCopiesAndFileCopiesTogetherInOrderEachOnce()
    {
        var small = Enumerable.Range(0, 6).Select(i => Copy(RandomBytes(100 + i, seed: 60 + i), NoMetadata, At(i))).ToList();
        var large = Enumerable.Range(0, 3).Select(i => RandomBytes(70_000 + i, seed: 70 + i)).ToList();
        using var store = CreateStore();
        await StoreAll(store, [.. small]);
        foreach (var bytes in large)
        {
            var result = await store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);
            Assert.Equal(StoreStatus.Stored, result.Status);
            Assert.True(File.Exists(Path.Combine(_root, ShardLayout.RelativePath(TestBytes.IdOf(bytes)))));
        }
        // Written again: still one copy each, listed once.
        await StoreAll(store, small[0] with { Stamp = At(50) });
        await store.StoreAsync(TestBytes.IdOf(large[0]), new MemoryStream(large[0]), NoMetadata, CancellationToken.None);
        var all = small.Select(copy => copy.Id).Concat(large.Select(TestBytes.IdOf)).Order().ToList();

        var listed = store.List().ToList();

        Assert.Equal(all, listed);
        Assert.Equal(all[4..], store.List(after: all[3]));
    }

    [Fact]
    public async Task TheReplicatorsRemovalOfALogCopyPutsItInTheTrashForGood()
    {
        var removed = Copy(RandomBytes(2500, seed: 80), new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" }, At(0));
        var kept = Copy(RandomBytes(2500, seed: 81), NoMetadata, At(0));
        using (var store = CreateStore())
        {
            await StoreAll(store, removed, kept);

            Assert.True(store.Delete(removed.Id));

            Assert.Null(store.Find(removed.Id));
            var trashed = Assert.Single(Directory.GetFiles(TrashFolder), path => !path.EndsWith(".meta", StringComparison.Ordinal));
            Assert.StartsWith(removed.Id + ".", Path.GetFileName(trashed), StringComparison.Ordinal);
            Assert.Equal(removed.Bytes, await File.ReadAllBytesAsync(trashed));
            Assert.True(File.Exists(trashed + ".meta"));
            Assert.False(store.Delete(removed.Id));
        }

        using var reopened = CreateStore();
        Assert.Null(reopened.Find(removed.Id));
        Assert.Null(DiskCopies.Find(_root, removed.Id.ToString()));
        AssertFound(reopened, kept);
        Assert.Equal([kept.Id], reopened.List());
    }

    private BlobStore CreateStore()
    {
        var options = new BlobStoreOptions { Root = _root, MinFreeBytes = 0 };
        return new BlobStore(Options.Create(options), new FsyncCommitter(), NullLogger<BlobStore>.Instance);
    }

    private static async Task StoreAll(BlobStore store, params SmallCopy[] copies)
    {
        var results = await store.StoreSmallAsync(copies, CancellationToken.None);
        Assert.All(results, result => Assert.Equal(StoreStatus.Stored, result.Status));
    }

    private static void AssertFound(BlobStore store, SmallCopy copy)
    {
        var found = store.Find(copy.Id);
        Assert.NotNull(found);
        Assert.NotNull(found.Logged);
        Assert.Equal(copy.Bytes.Length, found.Length);
        Assert.Equal(copy.Metadata, found.Metadata);
        Assert.Equal(copy.Stamp, found.Stamp);
        Assert.Equal(copy.Bytes, store.ReadLogged(found));
    }

    private static SmallCopy Copy(byte[] bytes, IReadOnlyDictionary<string, string> metadata, HybridTimestamp stamp) =>
        new(TestBytes.IdOf(bytes), bytes, metadata, stamp);

    /// <summary>A stamp <paramref name="ticks"/> after <see cref="Early"/>.</summary>
    private static HybridTimestamp At(long ticks) => new(Early.Ticks + ticks);

    private static byte[] RandomBytes(int length, int seed) => TestBytes.Random(length, seed);
}
