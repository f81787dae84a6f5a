using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sos.BlobServer.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

public sealed class TombstoneTests : IDisposable
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    private readonly string _root = Directory.CreateTempSubdirectory("sos-tombstone-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheHybridClockNeverRepeatsNorGoesBackAndMovesPastWhatItSaw()
    {
        var time = new SettableTime(_time.GetUtcNow());
        var clock = new HybridClock(time);
        var first = clock.Now();
        var second = clock.Now();
        time.Now = time.Now.AddSeconds(-30); // the wall clock steps back
        var third = clock.Now();
        var seen = new HybridTimestamp(time.Now.AddHours(1).UtcTicks); // a server whose clock is ahead
        clock.Observe(seen);
        var fourth = clock.Now();

        Assert.True(first < second && second < third, $"{first} {second} {third}");
        Assert.True(fourth > seen);
    }

    [Fact]
    public async Task ATombstoneMovesTheCopyToTheTrashAndTheIdIsNoLongerFound()
    {
        var store = CreateStore();
        var bytes = TestBytes.Random(5_000, seed: 1);
        var id = TestBytes.IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, Stamp(1), CancellationToken.None);

        var written = await store.WriteTombstoneAsync(id, Stamp(2), CancellationToken.None);

        Assert.Equal(new TombstoneWrite(TombstoneStatus.Deleted, Stamp(2), Held: true), written);
        Assert.Null(store.Find(id));
        Assert.False(File.Exists(store.DataPath(id)));
        Assert.Empty(store.List());
        Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".trash")), path => File.ReadAllBytes(path).SequenceEqual(bytes));
        Assert.Equal([(id, Stamp(2))], store.ListTombstones());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_root, ".tmp")));
        // Durable as a file of its own, read back by a new store over the same disk.
        Assert.Equal(Stamp(2), CreateStore().FindTombstone(id));
    }

    [Fact]
    public async Task AWriteOlderThanTheTombstoneIsRefusedAndALaterOneRemovesIt()
    {
        var store = CreateStore();
        var bytes = TestBytes.Random(3_000, seed: 2);
        var id = TestBytes.IdOf(bytes);
        await store.WriteTombstoneAsync(id, Stamp(10), CancellationToken.None);

        var older = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, Stamp(9), CancellationToken.None);
        var same = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, Stamp(10), CancellationToken.None);

        Assert.Equal(StoreStatus.Deleted, older.Status);
        Assert.Equal(StoreStatus.Deleted, same.Status);
        Assert.Null(store.Find(id));

        var later = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, Stamp(11), CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, later.Status);
        Assert.Equal(Stamp(11), store.Find(id)?.Stamp);
        // The delete stays recorded beside the later copy, for servers that missed it.
        Assert.Equal(Stamp(10), store.FindTombstone(id));
        Assert.Equal([(id, Stamp(10))], store.ListTombstones());
    }

    [Fact]
    public async Task ATombstoneOlderThanTheCopyIsSupersededAndTheCopyStays()
    {
        var store = CreateStore();
        var bytes = TestBytes.Random(3_000, seed: 3);
        var id = TestBytes.IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, Stamp(20), CancellationToken.None);

        var written = await store.WriteTombstoneAsync(id, Stamp(19), CancellationToken.None);

        Assert.Equal(TombstoneStatus.Superseded, written.Status);
        Assert.Equal(Stamp(20), written.Stamp);
        Assert.Equal(Stamp(20), store.Find(id)?.Stamp);
        // Recorded all the same, so that the replicator can bring it to a server that missed it.
        Assert.Equal(Stamp(19), store.FindTombstone(id));
    }

    [Fact]
    public async Task AnUnstampedWriteIsStampedOnArrivalAndBeatsAnEarlierDelete()
    {
        var store = CreateStore();
        var bytes = TestBytes.Random(3_000, seed: 4);
        var id = TestBytes.IdOf(bytes);
        await store.WriteTombstoneAsync(id, stamp: null, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));

        // As the original sos tools write: no timestamp at all.
        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.NotNull(store.Find(id));
    }

    [Fact]
    public async Task ALaterTombstoneStaysWhenAnEarlierOneArrivesAndOnlyItsOwnTimestampRemovesIt()
    {
        var store = CreateStore();
        var id = TestBytes.IdOf(TestBytes.Random(10, seed: 5));
        await store.WriteTombstoneAsync(id, Stamp(30), CancellationToken.None);

        var earlier = await store.WriteTombstoneAsync(id, Stamp(25), CancellationToken.None);

        Assert.Equal(new TombstoneWrite(TombstoneStatus.Deleted, Stamp(30), Held: true), earlier);
        Assert.False(store.RemoveTombstone(id, Stamp(29)));
        Assert.Equal(Stamp(30), store.FindTombstone(id));
        Assert.True(store.RemoveTombstone(id, Stamp(30)));
        Assert.Null(store.FindTombstone(id));
    }

    private HybridTimestamp Stamp(int seconds) => HybridTimestamp.FromTime(_time.GetUtcNow().AddSeconds(seconds - 1000));

    private BlobStore CreateStore() =>
        new(Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 }), new FsyncCommitter(), NullLogger<BlobStore>.Instance, _time);
}
