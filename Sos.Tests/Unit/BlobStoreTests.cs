using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

public sealed class BlobStoreTests : IDisposable
{
    private static readonly Dictionary<string, string> NoMetadata = [];

    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sos-unit-{Guid.NewGuid():N}");

    private string TempFolder => Path.Combine(_root, ".tmp");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task AStoredObjectIsFoundWithItsBytesLengthAndMetadata()
    {
        var store = CreateStore();
        var bytes = RandomBytes(70_000, seed: 1);
        var id = IdOf(bytes);
        var metadata = new Dictionary<string, string> { ["X-Mime-Type"] = "image/png", ["X-Orig-Filename"] = "cat.png" };

        var result = await store.StoreAsync(id, new MemoryStream(bytes), metadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal(new HashedContent(id, bytes.Length), result.Actual);
        var found = store.Find(id);
        Assert.NotNull(found);
        Assert.Equal(id, found.Id);
        Assert.Equal(bytes.Length, found.Length);
        Assert.Equal(bytes, ReadAll(found));
        Assert.Equal(metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal), found.Metadata.OrderBy(entry => entry.Key, StringComparer.Ordinal));
        Assert.Equal("image/png", found.Metadata["x-mime-type"]);
        Assert.InRange(found.LastModified, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
    }

    [Fact]
    public async Task AnEmptyObjectIsStoredAndFound()
    {
        var store = CreateStore();
        var id = IdOf([]);

        var result = await store.StoreAsync(id, new MemoryStream(), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal("da39a3ee5e6b4b0d3255bfef95601890afd80709", id.ToString());
        var found = store.Find(id);
        Assert.NotNull(found);
        Assert.Equal(0, found.Length);
        Assert.Empty(ReadAll(found));
        Assert.Empty(found.Metadata);
    }

    [Fact]
    public async Task TheFileLandsInItsShardWithItsMetadataBeside()
    {
        var store = CreateStore();
        var bytes = RandomBytes(1000, seed: 2);
        var id = IdOf(bytes);
        var hex = id.ToString();

        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Orig-Filename"] = "a.bin" }, CancellationToken.None);

        var shard = Path.Combine(_root, hex[..2], hex[2..3]);
        Assert.Equal(Path.Combine(shard, hex), store.DataPath(id));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(shard, hex)));
        Assert.Equal([hex, hex + ".meta"], FileNames(shard));
        var stored = MetadataJson(await File.ReadAllTextAsync(Path.Combine(shard, hex + ".meta")));
        Assert.Equal(new Dictionary<string, string> { ["X-Orig-Filename"] = "a.bin" }, stored);
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    [Fact]
    public async Task AnObjectWithoutMetadataStillGetsAMetadataFileForItsChunkSums()
    {
        var store = CreateStore();
        var bytes = RandomBytes(200_000, seed: 20);
        var id = IdOf(bytes);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal([id.ToString(), id + ".meta"], FileNames(Path.GetDirectoryName(store.DataPath(id))!));
        var found = store.Find(id)!;
        Assert.Empty(found.Metadata);
        Assert.Equal(4, found.Chunks!.Count); // 200,000 bytes in 64 KiB chunks
        Assert.Equal(bytes.Length, found.Chunks.Length);
        for (var i = 0; i < 4; i++)
        {
            var start = i * ChunkSums.ChunkSize;
            Assert.True(found.Chunks.Matches(i, bytes.AsSpan(start, Math.Min(ChunkSums.ChunkSize, bytes.Length - start))));
        }
        Assert.False(found.Chunks.Matches(0, bytes.AsSpan(1, ChunkSums.ChunkSize)));
        Assert.Equal(bytes, ReadAll(found));
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    [Fact]
    public async Task AWriteWithoutMetadataOfAHeldObjectKeepsTheHeldMetadata()
    {
        var store = CreateStore();
        var bytes = RandomBytes(1000, seed: 21);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" }, CancellationToken.None);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal([id.ToString(), id + ".meta"], FileNames(Path.GetDirectoryName(store.DataPath(id))!));
        Assert.Equal("text/plain", store.Find(id)!.Metadata["X-Mime-Type"]);
        Assert.Equal(bytes, ReadAll(store.Find(id)!));
        Assert.Equal([id], store.List());
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    [Fact]
    public async Task AQuarantineOrDeleteOfACopyWithoutMetadataMovesOrRemovesTheBytes()
    {
        var store = CreateStore();
        var quarantined = RandomBytes(600, seed: 22);
        var deleted = RandomBytes(600, seed: 23);
        await store.StoreAsync(IdOf(quarantined), new MemoryStream(quarantined), NoMetadata, CancellationToken.None);
        await store.StoreAsync(IdOf(deleted), new MemoryStream(deleted), NoMetadata, CancellationToken.None);

        Assert.True(store.Quarantine(IdOf(quarantined), read: null));
        Assert.True(store.Delete(IdOf(deleted)));

        Assert.Empty(store.List());
        var kept = Assert.Single(Directory.GetFiles(Path.Combine(_root, ".quarantine")), path => !path.EndsWith(".meta", StringComparison.Ordinal));
        Assert.Equal(deleted, await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(Path.Combine(_root, ".trash")), path => !path.EndsWith(".meta", StringComparison.Ordinal))));
        Assert.Equal(quarantined, await File.ReadAllBytesAsync(kept));
        Assert.False(File.Exists(store.DataPath(IdOf(deleted))));
    }

    [Fact]
    public async Task BytesThatDoNotHashToTheIdAreRefusedAndLeaveNothing()
    {
        var store = CreateStore();
        var bytes = RandomBytes(5000, seed: 3);
        var claimed = IdOf(RandomBytes(5000, seed: 4));

        var result = await store.StoreAsync(claimed, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.HashMismatch, result.Status);
        Assert.Equal(new HashedContent(IdOf(bytes), bytes.Length), result.Actual);
        AssertNothingStored(store, claimed);
        AssertNothingStored(store, IdOf(bytes));
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task AnObjectOverTheMaximumThrowsAndLeavesNothing()
    {
        var store = CreateStore(maxObjectBytes: 4096);
        var bytes = RandomBytes(4097, seed: 5);
        var id = IdOf(bytes);

        var error = await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None));

        Assert.Equal(4096, error.MaxBytes);
        AssertNothingStored(store, id);
    }

    [Fact]
    public async Task AnObjectOfExactlyTheMaximumIsStored()
    {
        var store = CreateStore(maxObjectBytes: 4096);
        var bytes = RandomBytes(4096, seed: 6);
        var id = IdOf(bytes);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal(bytes, ReadAll(store.Find(id)!));
    }

    [Fact]
    public async Task StoringTheSameObjectTwiceKeepsOneCopy()
    {
        var store = CreateStore();
        var bytes = RandomBytes(2048, seed: 7);
        var id = IdOf(bytes);
        var metadata = new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" };

        var first = await store.StoreAsync(id, new MemoryStream(bytes), metadata, CancellationToken.None);
        var second = await store.StoreAsync(id, new MemoryStream(bytes), metadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, first.Status);
        Assert.Equal(StoreStatus.Stored, second.Status);
        Assert.Equal(new HashedContent(id, bytes.Length), second.Actual);
        var hex = id.ToString();
        Assert.Equal([hex, hex + ".meta"], FileNames(Path.GetDirectoryName(store.DataPath(id))!));
        Assert.Equal([id], store.List());
        Assert.Equal(bytes, ReadAll(store.Find(id)!));
        Assert.Equal("text/plain", store.Find(id)!.Metadata["X-Mime-Type"]);
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    [Fact]
    public async Task ACopyOfTheWrongLengthIsReplacedByAGoodWrite()
    {
        var store = CreateStore();
        var bytes = RandomBytes(3000, seed: 8);
        var id = IdOf(bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(store.DataPath(id))!);
        await File.WriteAllBytesAsync(store.DataPath(id), bytes[..1500]);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.DataPath(id)));
    }

    [Fact]
    public async Task ARottedCopyOfTheRightLengthIsReplacedByAGoodWrite()
    {
        var store = CreateStore();
        var bytes = RandomBytes(3000, seed: 9);
        var id = IdOf(bytes);
        var rotted = (byte[])bytes.Clone();
        rotted[100] ^= 0xff;
        Directory.CreateDirectory(Path.GetDirectoryName(store.DataPath(id))!);
        await File.WriteAllBytesAsync(store.DataPath(id), rotted);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.DataPath(id)));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    public async Task ACopyWhoseMetadataDoesNotParseIsQuarantinedNotServedWithEmptyMetadata(string damaged)
    {
        var store = CreateStore();
        var bytes = RandomBytes(500, seed: 10);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, CancellationToken.None);
        await File.WriteAllTextAsync(store.DataPath(id) + ".meta", damaged);

        Assert.Null(store.Find(id));

        Assert.Empty(store.List());
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Directory.GetFiles(Path.Combine(_root, ".quarantine")).Single(path => !path.EndsWith(".meta", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task AChangedMetadataValueFailsItsChecksumAndTheCopyIsQuarantined()
    {
        var store = CreateStore();
        var bytes = RandomBytes(500, seed: 30);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, CancellationToken.None);
        var meta = store.DataPath(id) + ".meta";
        // Still valid JSON, one letter different: only the checksum can tell.
        await File.WriteAllTextAsync(meta, (await File.ReadAllTextAsync(meta)).Replace("image/png", "image/pnh", StringComparison.Ordinal));

        Assert.Null(store.Find(id));
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task MetadataWrittenBeforeChecksumsIsStillRead()
    {
        var store = CreateStore();
        var bytes = RandomBytes(500, seed: 31);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);
        await File.WriteAllTextAsync(store.DataPath(id) + ".meta", "{\"X-Mime-Type\":\"text/plain\"}");

        Assert.Equal("text/plain", store.Find(id)!.Metadata["X-Mime-Type"]);
    }

    [Fact]
    public async Task AReUploadNeverChangesTheMetadataOfAHeldCopy()
    {
        var store = CreateStore();
        var bytes = RandomBytes(2000, seed: 32);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, CancellationToken.None);

        var again = await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "text/html", ["X-Poison"] = "1" }, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, again.Status);
        Assert.Equal(new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, store.Find(id)!.Metadata);
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    [Fact]
    public async Task AHeldCopyWithDamagedMetadataIsReplacedWholeByANewWrite()
    {
        var store = CreateStore();
        var bytes = RandomBytes(2000, seed: 33);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, CancellationToken.None);
        await File.WriteAllTextAsync(store.DataPath(id) + ".meta", "{damaged");

        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/gif" }, CancellationToken.None);

        Assert.Equal("image/gif", store.Find(id)!.Metadata["X-Mime-Type"]);
        Assert.Equal(bytes, ReadAll(store.Find(id)!));
    }

    [Fact]
    public async Task ARottenCopyReadWhileAGoodCopyWasRenamedIntoPlaceIsNotWhatGetsQuarantined()
    {
        var store = CreateStore();
        var bytes = RandomBytes(3000, seed: 34);
        var id = IdOf(bytes);
        var rotten = (byte[])bytes.Clone();
        rotten[7] ^= 0x40;
        Directory.CreateDirectory(Path.GetDirectoryName(store.DataPath(id))!);
        await File.WriteAllBytesAsync(store.DataPath(id), rotten);

        using (var read = store.Find(id)!.OpenRead())
        {
            var readIdentity = StoredBlob.IdentityOf(read);
            // While the rotten copy is being read, a re-upload swaps a good one in.
            await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

            Assert.False(store.Quarantine(id, readIdentity));
        }

        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.DataPath(id)));
        Assert.False(Directory.Exists(Path.Combine(_root, ".quarantine")) && Directory.GetFiles(Path.Combine(_root, ".quarantine")).Length > 0);
    }

    [Fact]
    public async Task TheFileThatWasReadIsQuarantinedWhenItIsStillInPlace()
    {
        var store = CreateStore();
        var bytes = RandomBytes(3000, seed: 35);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        using (var read = store.Find(id)!.OpenRead())
        {
            Assert.True(store.Quarantine(id, StoredBlob.IdentityOf(read)));
        }

        Assert.Null(store.Find(id));
    }

    [Fact]
    public async Task CopiesOfTheEarlierTwoLevelLayoutMoveIntoTheirShardsAtStart()
    {
        var store = CreateStore();
        var bytes = RandomBytes(1000, seed: 40);
        var id = IdOf(bytes);
        var hex = id.ToString();
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Orig-Filename"] = "old.bin" }, CancellationToken.None);
        // As an earlier server left it: root/ab/cd/abcd… and its .meta.
        var earlier = Path.Combine(_root, hex[..2], hex[2..4]);
        Directory.CreateDirectory(earlier);
        File.Move(store.DataPath(id), Path.Combine(earlier, hex));
        File.Move(store.DataPath(id) + ".meta", Path.Combine(earlier, hex + ".meta"));
        Directory.Delete(Path.GetDirectoryName(store.DataPath(id))!);

        var reopened = CreateStore();

        var found = reopened.Find(id);
        Assert.NotNull(found);
        Assert.Equal(bytes, ReadAll(found));
        Assert.Equal("old.bin", found.Metadata["X-Orig-Filename"]);
        Assert.False(Directory.Exists(earlier));
        Assert.Equal([id], reopened.List());
    }

    [Fact]
    public async Task EveryDirectoryAWriteCreatesHasItsParentFlushed()
    {
        var flushed = new List<string>();
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        var store = new BlobStore(options, new FsyncCommitter(), NullLogger<BlobStore>.Instance, TimeProvider.System, flushed.Add);
        Assert.Contains(Path.GetDirectoryName(_root)!, flushed); // the store root itself was created
        Assert.Contains(_root, flushed); // for .tmp
        flushed.Clear();
        var bytes = RandomBytes(100, seed: 36);
        var hex = IdOf(bytes).ToString();

        await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal([_root, Path.Combine(_root, hex[..2])], flushed);
    }

    [Fact]
    public async Task AFailedFlushOfANewShardDirectoryStopsWrites()
    {
        // The flush of a directory a write created fails as a write-back error would report it.
        var failing = false;
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        var store = new BlobStore(options, new FsyncCommitter(), NullLogger<BlobStore>.Instance, TimeProvider.System,
            directory =>
            {
                if (failing)
                {
                    throw new IOException($"fsync of directory {directory} failed (errno 5).");
                }
            });
        failing = true;
        var bytes = RandomBytes(100, seed: 38);

        var result = await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Unavailable, result.Status);
        Assert.NotNull(store.Fault);
        AssertNothingStored(store, IdOf(bytes));
        failing = false;
        var later = RandomBytes(100, seed: 39);
        Assert.Equal(StoreStatus.Unavailable, (await store.StoreAsync(IdOf(later), new MemoryStream(later), NoMetadata, CancellationToken.None)).Status);
    }

    [Fact]
    public async Task AStoreWhoseFlushFailedCannotRecordADeleteButStopsServingOnlyTheCopyItOutdates()
    {
        var older = RandomBytes(100, seed: 40);
        var newer = RandomBytes(100, seed: 41);
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1);
        var (written, deleted, rewritten) = (HybridTimestamp.FromTime(hourAgo), HybridTimestamp.FromTime(hourAgo.AddMinutes(1)), HybridTimestamp.FromTime(hourAgo.AddMinutes(2)));
        var healthy = CreateStore();
        await healthy.StoreAsync(IdOf(older), new MemoryStream(older), NoMetadata, written, CancellationToken.None);
        await healthy.StoreAsync(IdOf(newer), new MemoryStream(newer), NoMetadata, rewritten, CancellationToken.None);
        // The same disk after a flush failed: the store refuses writes.
        var store = CreateStore(committer: new FailingCommitter(new IOException("write-back failed")) { Faulted = true });

        var outdated = await store.WriteTombstoneAsync(IdOf(older), deleted, CancellationToken.None);
        var kept = await store.WriteTombstoneAsync(IdOf(newer), deleted, CancellationToken.None);

        Assert.Equal(TombstoneStatus.Unavailable, outdated.Status);
        Assert.Equal(TombstoneStatus.Unavailable, kept.Status);
        Assert.Null(store.Find(IdOf(older)));
        Assert.Null(store.FindTombstone(IdOf(older)));
        Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".trash")), path => File.ReadAllBytes(path).SequenceEqual(older));
        Assert.NotNull(store.Find(IdOf(newer)));
    }

    [Fact]
    public async Task AnOlderWriteOfAHeldCopyNeverMakesItOlder()
    {
        var store = CreateStore();
        var bytes = RandomBytes(100, seed: 42);
        var hourAgo = DateTimeOffset.UtcNow.AddHours(-1);
        var (older, newer) = (HybridTimestamp.FromTime(hourAgo), HybridTimestamp.FromTime(hourAgo.AddMinutes(5)));
        await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, newer, CancellationToken.None);

        // A copy of an earlier write of the same bytes, as a repair from a server that missed a delete sends it.
        var result = await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "image/png" }, older, CancellationToken.None);

        Assert.Equal(StoreStatus.Stored, result.Status);
        var held = store.Find(IdOf(bytes))!;
        Assert.Equal(newer, held.Stamp);
        Assert.Empty(held.Metadata);
        Assert.Equal(bytes, ReadAll(held));
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".tmp")));
    }

    [Fact]
    public async Task AStoreWhoseFlushFailedRefusesWritesAndKeepsNothing()
    {
        var committer = new FailingCommitter(new IOException("write-back failed")) { Faulted = true };
        var store = CreateStore(committer: committer);
        var bytes = RandomBytes(100, seed: 37);

        var result = await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.Unavailable, result.Status);
        Assert.Empty(committer.Staged);
        AssertNothingStored(store, IdOf(bytes));
        Assert.NotNull(store.Fault);
    }

    [Fact]
    public void TheStoreKeepsItsIdentityAcrossRestartsAndRefusesADamagedOne()
    {
        var first = CreateStore().Identity;

        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Equal(first, CreateStore().Identity);
        Assert.Equal(first, File.ReadAllText(Path.Combine(_root, ".identity")).Trim());

        File.WriteAllText(Path.Combine(_root, ".identity"), "garbage");
        Assert.Throws<InvalidOperationException>(() => CreateStore());
    }

    [Fact]
    public async Task AQuarantinedCopyIsNeitherFoundNorListedAndIsKeptAside()
    {
        var store = CreateStore();
        var bytes = RandomBytes(800, seed: 11);
        var id = IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Tag"] = "q" }, CancellationToken.None);

        Assert.True(store.Quarantine(id, read: null));

        Assert.Null(store.Find(id));
        Assert.DoesNotContain(id, store.List());
        var kept = Directory.GetFiles(Path.Combine(_root, ".quarantine"));
        Assert.Equal(2, kept.Length);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(kept.Single(path => !path.EndsWith(".meta", StringComparison.Ordinal))));
        Assert.False(store.Quarantine(id, read: null));
    }

    [Fact]
    public async Task ListReturnsEveryIdInOrder()
    {
        var store = CreateStore();
        var ids = await StoreRandomObjects(store, 50);

        var expected = ids.Order().ToList();

        Assert.Equal(expected, store.List());
        Assert.Equal(ids.Select(id => id.ToString()).Order(StringComparer.Ordinal), store.List().Select(id => id.ToString()));
        // Fifty random ids spread over many first-level shards, so the order crosses directories.
        Assert.True(expected.Select(id => id.ToString()[..2]).Distinct().Count() > 20);
    }

    [Fact]
    public async Task ListAfterAStoredIdReturnsExactlyTheLaterOnes()
    {
        var store = CreateStore();
        var sorted = (await StoreRandomObjects(store, 50)).Order().ToList();

        for (var i = 0; i < sorted.Count; i++)
        {
            Assert.Equal(sorted[(i + 1)..], store.List(sorted[i]));
        }
    }

    [Fact]
    public async Task ListAfterAnIdNotHeldReturnsTheIdsAboveIt()
    {
        var store = CreateStore();
        var sorted = (await StoreRandomObjects(store, 50)).Order().ToList();
        var probes = new List<ObjectId>
        {
            ObjectId.Parse("0000000000000000000000000000000000000000"),
            ObjectId.Parse("ffffffffffffffffffffffffffffffffffffffff"),
        };
        // Probes that share the first shard, or both shard levels, with a stored id.
        foreach (var id in sorted.Take(5))
        {
            var hex = id.ToString();
            probes.Add(ObjectId.Parse(hex[..2] + "00000000000000000000000000000000000000"));
            probes.Add(ObjectId.Parse(hex[..2] + "ffffffffffffffffffffffffffffffffffffff"));
            probes.Add(ObjectId.Parse(hex[..4] + "000000000000000000000000000000000000"));
            probes.Add(ObjectId.Parse(hex[..4] + "ffffffffffffffffffffffffffffffffffff"));
        }
        var random = new Random(9);
        var digest = new byte[ObjectId.ByteLength];
        for (var i = 0; i < 10; i++)
        {
            random.NextBytes(digest);
            probes.Add(ObjectId.FromDigest(digest));
        }

        foreach (var after in probes)
        {
            Assert.Equal(sorted.Where(id => id > after), store.List(after));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(50)]
    public async Task PagingWithAfterVisitsEveryIdOnceInOrder(int pageSize)
    {
        var store = CreateStore();
        var sorted = (await StoreRandomObjects(store, 50)).Order().ToList();

        var seen = new List<ObjectId>();
        ObjectId? after = null;
        var pages = 0;
        while (true)
        {
            var page = store.List(after).Take(pageSize).ToList();
            if (page.Count == 0)
            {
                break;
            }
            seen.AddRange(page);
            after = page[^1];
            pages++;
            Assert.True(pages <= sorted.Count, "paging does not end");
        }

        Assert.Equal(sorted, seen);
        Assert.Equal((sorted.Count + pageSize - 1) / pageSize, pages);
    }

    [Fact]
    public async Task ListOrdersIdsThatShareAShard()
    {
        var store = CreateStore();
        var crowded = BodiesSharingAShard(5);
        var others = await StoreRandomObjects(store, 10);
        foreach (var bytes in crowded)
        {
            await store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);
        }
        var sorted = crowded.Select(IdOf).Concat(others).Order().ToList();
        var shard = Path.GetDirectoryName(store.DataPath(IdOf(crowded[0])))!;

        Assert.Equal(10, Directory.GetFiles(shard).Length); // each with its .meta
        Assert.Equal(sorted, store.List());
        for (var i = 0; i < sorted.Count; i++)
        {
            Assert.Equal(sorted[(i + 1)..], store.List(sorted[i]));
        }
    }

    [Fact]
    public async Task ListIgnoresFilesAndFoldersThatAreNotObjects()
    {
        var store = CreateStore();
        var ids = await StoreRandomObjects(store, 5);
        var hex = ids[0].ToString();
        var shard = Path.GetDirectoryName(store.DataPath(ids[0]))!;
        await File.WriteAllTextAsync(Path.Combine(shard, "notes.txt"), "x");
        await File.WriteAllTextAsync(Path.Combine(shard, hex.ToUpperInvariant()), "x");
        Directory.CreateDirectory(Path.Combine(_root, "zz", "00"));
        Directory.CreateDirectory(Path.Combine(_root, "quarantine"));
        await File.WriteAllTextAsync(Path.Combine(_root, "zz", "00", hex), "x");
        await File.WriteAllTextAsync(Path.Combine(TempFolder, hex), "x");

        Assert.Equal(ids.Order(), store.List());
    }

    [Fact]
    public void AnEmptyStoreListsNothingAndFindsNothing()
    {
        var store = CreateStore();

        Assert.Empty(store.List());
        Assert.Empty(store.List(ObjectId.Parse("0000000000000000000000000000000000000000")));
        Assert.Null(store.Find(IdOf([1, 2, 3])));
    }

    [Fact]
    public async Task AbandonedTempFilesAreRemovedWhenTheStoreStarts()
    {
        var bytes = RandomBytes(100, seed: 10);
        var id = IdOf(bytes);
        var first = CreateStore();
        await first.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);
        await File.WriteAllBytesAsync(Path.Combine(TempFolder, $"{id}.0123456789abcdef"), bytes[..50]);
        await File.WriteAllBytesAsync(Path.Combine(TempFolder, $"{id}.0123456789abcdef.meta"), [(byte)'{']);
        await File.WriteAllBytesAsync(Path.Combine(TempFolder, "health.abc"), [1]);

        var second = CreateStore();

        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
        Assert.Equal(bytes, ReadAll(second.Find(id)!));
        Assert.Equal([id], second.List());
    }

    [Fact]
    public async Task AStoreBelowItsFreeSpaceFloorRefusesWritesAndKeepsNothing()
    {
        var store = CreateStore(minFreeBytes: long.MaxValue);
        var bytes = RandomBytes(100, seed: 11);
        var id = IdOf(bytes);

        var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);

        Assert.Equal(StoreStatus.InsufficientStorage, result.Status);
        AssertNothingStored(store, id);
        Assert.Empty(store.List());
        Assert.True(store.FreeBytes() > 0);
    }

    [Fact]
    public async Task AFailedCommitFailsTheWriteAndLeavesNothing()
    {
        var failure = new IOException("the disk said no");
        var committer = new FailingCommitter(failure);
        var store = CreateStore(committer: committer);
        var bytes = RandomBytes(10_000, seed: 12);
        var id = IdOf(bytes);

        var error = await Assert.ThrowsAsync<IOException>(
            () => store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "a/b" }, CancellationToken.None));

        Assert.Same(failure, error);
        var staged = Assert.Single(committer.Staged);
        Assert.Equal(store.DataPath(id), staged.FinalData);
        Assert.Equal(store.DataPath(id) + ".meta", staged.FinalMetadata);
        Assert.Equal(TempFolder, Path.GetDirectoryName(staged.TempData));
        Assert.Equal(TempFolder, Path.GetDirectoryName(staged.TempMetadata));
        AssertNothingStored(store, id);
        Assert.Empty(store.List());
    }

    [Fact]
    public async Task TheCommitterIsHandedAFullyWrittenTempFile()
    {
        var committer = new InspectingCommitter();
        var store = CreateStore(committer: committer);
        var bytes = RandomBytes(200_000, seed: 13);
        var id = IdOf(bytes);

        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Tag"] = "t" }, CancellationToken.None);

        Assert.Equal(bytes, committer.Data);
        Assert.Equal(new Dictionary<string, string> { ["X-Tag"] = "t" }, committer.Metadata);
        Assert.Equal(bytes, ReadAll(store.Find(id)!));
    }

    [Fact]
    public async Task ConcurrentWritesOfDifferentObjectsAllLand()
    {
        var store = CreateStore();
        var objects = Enumerable.Range(0, 20).Select(i => RandomBytes(1000 + i, seed: 100 + i)).ToList();

        var results = await Task.WhenAll(objects.Select(bytes =>
            store.StoreAsync(IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None)));

        Assert.All(results, result => Assert.Equal(StoreStatus.Stored, result.Status));
        Assert.Equal(objects.Select(IdOf).Order(), store.List());
        Assert.All(objects, bytes => Assert.Equal(bytes, ReadAll(store.Find(IdOf(bytes))!)));
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    private BlobStore CreateStore(long minFreeBytes = 0, long? maxObjectBytes = null, IDurableCommitter? committer = null)
    {
        var options = new BlobStoreOptions { Root = _root, MinFreeBytes = minFreeBytes };
        if (maxObjectBytes is { } max)
        {
            options.MaxObjectBytes = max;
        }
        return new BlobStore(Options.Create(options), committer ?? new FsyncCommitter(), NullLogger<BlobStore>.Instance);
    }

    /// <summary>The metadata of a <c>.meta</c> file: after its checksum line, which must match the rest, and its chunk sums.</summary>
    private static Dictionary<string, string>? MetadataJson(string file)
    {
        var newline = file.IndexOf('\n', StringComparison.Ordinal);
        Assert.StartsWith("sos-meta-2 ", file, StringComparison.Ordinal);
        var rest = file[(newline + 1)..];
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(rest))), file["sos-meta-2 ".Length..newline]);
        Assert.StartsWith("chunks ", rest, StringComparison.Ordinal);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(rest[(rest.IndexOf('\n', StringComparison.Ordinal) + 1)..]);
    }

    private void AssertNothingStored(BlobStore store, ObjectId id)
    {
        Assert.Null(store.Find(id));
        Assert.False(File.Exists(store.DataPath(id)), $"{store.DataPath(id)} exists");
        Assert.False(File.Exists(store.DataPath(id) + ".meta"), $"{store.DataPath(id)}.meta exists");
        Assert.Empty(Directory.GetFileSystemEntries(TempFolder));
    }

    private static async Task<List<ObjectId>> StoreRandomObjects(BlobStore store, int count)
    {
        var ids = new List<ObjectId>();
        for (var i = 0; i < count; i++)
        {
            var bytes = RandomBytes(1 + (i * 37 % 200), seed: 1000 + i);
            var id = IdOf(bytes);
            var result = await store.StoreAsync(id, new MemoryStream(bytes), NoMetadata, CancellationToken.None);
            Assert.Equal(StoreStatus.Stored, result.Status);
            ids.Add(id);
        }
        Assert.Equal(count, ids.Distinct().Count());
        return ids;
    }

    /// <summary>Small bodies whose ids share their first four hex digits, so land in one directory.</summary>
    private static List<byte[]> BodiesSharingAShard(int count)
    {
        // Pigeonholes: about twenty thousand tries put five bodies in one of 65,536 shards.
        var byShard = new Dictionary<string, List<byte[]>>();
        for (long i = 0; ; i++)
        {
            var bytes = BitConverter.GetBytes(i);
            var shard = IdOf(bytes).ToString()[..4];
            if (!byShard.TryGetValue(shard, out var bodies))
            {
                byShard[shard] = bodies = [];
            }
            bodies.Add(bytes);
            if (bodies.Count == count)
            {
                return bodies;
            }
        }
    }

    private static ObjectId IdOf(byte[] bytes) => TestBytes.IdOf(bytes);

    private static byte[] RandomBytes(int length, int seed) => TestBytes.Random(length, seed);

    private static byte[] ReadAll(StoredBlob blob)
    {
        using var stream = blob.OpenRead();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static string[] FileNames(string directory) =>
        [.. Directory.GetFileSystemEntries(directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    private sealed class FailingCommitter(Exception failure) : IDurableCommitter
    {
        public List<StagedBlob> Staged { get; } = [];

        /// <summary>As a committer is after a failed flush: it refuses everything.</summary>
        public bool Faulted { get; init; }

        public Exception? Fault => Faulted ? failure : null;

        public bool NeedsWriterFlush(long size) => true;

        public bool CoversNewDirectories(long size) => false;

        public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
        {
            Staged.Add(staged);
            // Both temp files exist when the commit is asked for; then the flush fails.
            Assert.True(File.Exists(staged.TempData));
            Assert.True(File.Exists(staged.TempMetadata));
            return Task.FromException(failure);
        }
    }

    private sealed class InspectingCommitter : IDurableCommitter
    {
        private readonly FsyncCommitter _inner = new();

        public Exception? Fault => null;

        public byte[]? Data { get; private set; }

        public Dictionary<string, string>? Metadata { get; private set; }

        public async Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
        {
            Data = await File.ReadAllBytesAsync(staged.TempData, cancellationToken);
            Metadata = staged.TempMetadata is null
                ? null
                : MetadataJson(await File.ReadAllTextAsync(staged.TempMetadata, cancellationToken));
            await _inner.CommitAsync(staged, cancellationToken);
        }

        public bool NeedsWriterFlush(long size) => true;

        public bool CoversNewDirectories(long size) => false;
    }
}
