using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Sos.BlobServer.Storage;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class ScrubAndDeleteTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private readonly string _root = Directory.CreateTempSubdirectory("sos-scrub-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task AScrubQuarantinesACopyWithFlippedBytesAndKeepsTheGoodOnes()
    {
        var (store, scrubber) = Create(TimeProvider.System);
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
        var (store, scrubber) = Create(TimeProvider.System);
        var bytes = TestBytes.Random(1_000_000, seed: 13);
        await store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), new Dictionary<string, string>(), CancellationToken.None);

        var report = await scrubber.ScrubAllAsync(bytesPerSecond: 2_000_000, CancellationToken.None);

        // 1 MB at 2 MB/s cannot take less than half a second.
        Assert.InRange(report.Duration, TimeSpan.FromSeconds(0.45), TimeSpan.FromSeconds(30));
        Assert.Equal(0, report.Quarantined);
    }

    [Fact]
    public async Task AnUnreadableCopyIsRetriedThenQuarantinedAndTheScrubGoesOnToTheNextCopies()
    {
        var (store, scrubber) = Create(_time);
        var ids = await StoreObjects(store, 5);
        var unreadable = ids[1];
        var attempts = 0;
        store.WrapCheckedRead = (id, stream) =>
        {
            if (id == unreadable)
            {
                attempts++;
                return new FailingStream();
            }
            return stream;
        };

        var report = await RunWithFakeTime(scrubber.ScrubAllAsync(long.MaxValue / 2, CancellationToken.None));

        Assert.Equal(3, attempts);
        Assert.Equal(5, report.Objects);
        Assert.Equal(1, report.Quarantined);
        Assert.Equal(ids.Where(id => id != unreadable), store.List());
        Assert.Null(store.Find(unreadable));
        Assert.Single(Directory.GetFiles(Path.Combine(_root, ".quarantine"), $"{unreadable}.*"), path => !path.EndsWith(".meta", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AReadErrorThatClearsOnRetryKeepsTheCopy()
    {
        var (store, scrubber) = Create(_time);
        var ids = await StoreObjects(store, 2);
        var failures = 0;
        store.WrapCheckedRead = (id, stream) => id == ids[0] && failures++ == 0 ? new FailingStream() : stream;

        var report = await RunWithFakeTime(scrubber.ScrubAllAsync(long.MaxValue / 2, CancellationToken.None));

        Assert.Equal(0, report.Quarantined);
        Assert.Equal(ids, store.List());
    }

    [Fact]
    public async Task AScrubRecordsItsProgressAndAfterARestartResumesAfterTheLastIdDone()
    {
        var (store, scrubber) = Create(_time);
        var ids = await StoreObjects(store, 5);
        var checkpoint = Path.Combine(_root, ".scrub-checkpoint");
        var seenAtRead = new List<string?>();
        using var stop = new CancellationTokenSource();
        store.WrapCheckedRead = (id, stream) =>
        {
            seenAtRead.Add(File.Exists(checkpoint) ? File.ReadAllText(checkpoint) : null);
            _time.Advance(TimeSpan.FromMinutes(1)); // each copy takes a minute: past the checkpoint period
            if (id == ids[3])
            {
                stop.Cancel(); // the server stops while it scrubs the fourth copy
            }
            return stream;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => scrubber.ScrubAllAsync(long.MaxValue / 2, stop.Token));

        Assert.Equal([null, ids[0].ToString(), ids[1].ToString(), ids[2].ToString()], seenAtRead);
        Assert.Equal(ids[2].ToString(), File.ReadAllText(checkpoint));

        var (_, restarted) = Create(_time);
        store.WrapCheckedRead = (_, stream) => stream;
        var resumed = await restarted.ScrubAllAsync(long.MaxValue / 2, CancellationToken.None);

        Assert.Equal(2, resumed.Objects); // ids[3] and ids[4]
        Assert.False(File.Exists(checkpoint)); // done: the next scrub starts from the first id
        Assert.Equal(5, (await restarted.ScrubAllAsync(long.MaxValue / 2, CancellationToken.None)).Objects);
    }

    [Fact]
    public void ServersStartTheirScrubsAtOffsetsSpreadOverTheIntervalByIdentity()
    {
        var interval = TimeSpan.FromDays(1);
        var offsets = Enumerable.Range(0, 20).Select(i => BlobScrubber.StartOffset(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([(byte)i]))[..32], interval)).ToList();

        Assert.All(offsets, offset => Assert.InRange(offset, TimeSpan.Zero, interval - TimeSpan.FromTicks(1)));
        Assert.True(offsets.Distinct().Count() == offsets.Count);
        Assert.True(offsets.Max() - offsets.Min() > TimeSpan.FromHours(12), "the offsets are not spread over the interval");
        Assert.Equal(offsets[0], BlobScrubber.StartOffset(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData([0]))[..32], interval));
    }

    [Fact]
    public async Task ACheckOfAGoodCopyPassesAndOfARottenOneQuarantinesIt()
    {
        var (store, _) = Create(_time);
        var bytes = TestBytes.Random(2_000, seed: 15);
        var id = TestBytes.IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-A"] = "b" }, CancellationToken.None);

        Assert.Equal(new CopyCheck(CopyState.Good, bytes.Length, null), await store.CheckAsync(id, null, CancellationToken.None));
        await File.WriteAllBytesAsync(store.DataPath(id), bytes[..1000]);
        var bad = await store.CheckAsync(id, null, CancellationToken.None);

        Assert.Equal(CopyState.Bad, bad.State);
        Assert.Null(store.Find(id));
        Assert.Equal(CopyState.Missing, (await store.CheckAsync(id, null, CancellationToken.None)).State);
    }

    [Fact]
    public async Task DeleteMovesTheBytesAndMetadataToTheTrashWhichIsEmptiedAfterTheRetention()
    {
        var (store, _) = Create(_time);
        var bytes = TestBytes.Random(2_000, seed: 14);
        var id = TestBytes.IdOf(bytes);
        await store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Orig-Filename"] = "a.txt" }, CancellationToken.None);

        Assert.True(store.Delete(id));

        Assert.False(File.Exists(store.DataPath(id)));
        Assert.False(File.Exists(store.DataPath(id) + ".meta"));
        Assert.Null(store.Find(id));
        Assert.False(store.Delete(id));
        var trash = Path.Combine(_root, ".trash");
        Assert.Equal(2, Directory.GetFiles(trash).Length);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Directory.GetFiles(trash).Single(path => !path.EndsWith(".meta", StringComparison.Ordinal))));

        _time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, store.SweepTrash());
        Assert.Equal(2, Directory.GetFiles(trash).Length);

        _time.Advance(TimeSpan.FromHours(1.5));
        Assert.Equal(1, store.SweepTrash());
        Assert.Empty(Directory.GetFiles(trash));
    }

    private (BlobStore Store, BlobScrubber Scrubber) Create(TimeProvider time)
    {
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        var store = new BlobStore(options, new FsyncCommitter(), NullLogger<BlobStore>.Instance, time);
        return (store, new BlobScrubber(store, options, NullLogger<BlobScrubber>.Instance, time));
    }

    private static async Task<List<ObjectId>> StoreObjects(BlobStore store, int count)
    {
        var ids = new List<ObjectId>();
        for (var i = 0; i < count; i++)
        {
            var bytes = TestBytes.Random(1000 + i, seed: 500 + i);
            await store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), new Dictionary<string, string>(), CancellationToken.None);
            ids.Add(TestBytes.IdOf(bytes));
        }
        return [.. ids.Order()];
    }

    /// <summary>Moves fake time on until the task is done: its retries wait on that clock.</summary>
    private async Task<T> RunWithFakeTime<T>(Task<T> task)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        while (!task.IsCompleted)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, timeout.Token);
        }
        return await task;
    }

    /// <summary>Reads as a disk with a bad sector does: every read fails with an I/O error.</summary>
    private sealed class FailingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("Input/output error");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromException<int>(new IOException("Input/output error"));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
