using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;
using Sos.BlobServer.Storage;
using Sos.BlobServer.Storage.SmallObjects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

public sealed class SmallObjectLogTests : IDisposable
{
    private const long SegmentBytes = 64L * 1024 * 1024;

    private static readonly HybridTimestamp Early = HybridTimestamp.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    // The log lives where a store keeps it (root/.log), so DiskCopies reads it as it reads a store's.
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sos-unit-{Guid.NewGuid():N}");

    public SmallObjectLogTests() => Directory.CreateDirectory(LogDirectory);

    private string LogDirectory => Path.Combine(_root, ".log");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task CopiesAppendedAreFoundWithTheirBytesMetadataAndStampByTheNextLogOpened()
    {
        var copies = Enumerable.Range(0, 5).Select(i => Copy(RandomBytes(100 + (i * 700), seed: i), At(i), $"meta-{i}")).ToList();
        using (var log = OpenLog())
        {
            await log.AppendAsync(copies[..3]);
            await log.AppendAsync(copies[3..]);
        }

        using var reopened = OpenLog();

        Assert.Equal(copies.Count, reopened.Count);
        foreach (var copy in copies)
        {
            Assert.True(reopened.TryFind(copy.Id, out var entry), $"{copy.Id} is not found");
            Assert.Equal(copy.Data.ToArray(), reopened.ReadData(entry));
            Assert.Equal(copy.Metadata, reopened.ReadMetadata(entry));
            Assert.Equal(copy.Stamp, entry.Stamp);
        }
        Assert.Equal(copies.Select(copy => copy.Id).Order(), reopened.Ids(after: null));
    }

    [Theory]
    [InlineData(30)] // part of the header
    [InlineData(LogRecord.HeaderSize + 2)] // the header and part of the metadata
    [InlineData(1000)] // all but the end of the bytes
    public async Task ABatchCutShortAtTheEndOfTheNewestSegmentIsDroppedAndAppendsGoToANewSegment(int bytesLeftOfTheLastRecord)
    {
        var kept = Copy(RandomBytes(2000, seed: 1), Early, "kept");
        var alsoKept = Copy(RandomBytes(1000, seed: 2), Early, "also kept");
        var cut = Copy(RandomBytes(1000, seed: 3), Early, "cut");
        using (var log = OpenLog())
        {
            await log.AppendAsync([kept]);
            await log.AppendAsync([alsoKept, cut]);
        }
        var segment = SegmentPath(1);
        // A crash while the last batch was written: its last record reached the disk only in part.
        using (var file = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            var lastRecord = LogRecord.SizeOf(cut.Metadata.Length, cut.Data.Length);
            RandomAccess.SetLength(file, RandomAccess.GetLength(file) - lastRecord + bytesLeftOfTheLastRecord);
        }
        var before = await File.ReadAllBytesAsync(segment);

        var later = Copy(RandomBytes(500, seed: 4), Early, "later");
        using (var recovered = OpenLog())
        {
            AssertHolds(recovered, kept);
            AssertHolds(recovered, alsoKept);
            Assert.False(recovered.TryFind(cut.Id, out _));

            await recovered.AppendAsync([later]);

            Assert.True(recovered.TryFind(later.Id, out var entry));
            Assert.Equal(2, entry.Segment);
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(segment));
        Assert.True(File.Exists(SegmentPath(2)));
        using var reopened = OpenLog();
        AssertHolds(reopened, kept);
        AssertHolds(reopened, alsoKept);
        AssertHolds(reopened, later);
        Assert.False(reopened.TryFind(cut.Id, out _));
    }

    [Fact]
    public async Task ABatchWhoseBytesNeverReachedTheDiskIsDroppedAndStaysDroppedAfterTheNextRestart()
    {
        var kept = Copy(RandomBytes(2000, seed: 11), At(0), "kept");
        var torn = Copy(RandomBytes(3000, seed: 12), At(0), "torn");
        var keptAgain = Copy(kept.Data.ToArray(), At(10), "kept again");
        using (var log = OpenLog())
        {
            await log.AppendAsync([kept]);
            await log.AppendAsync([torn, keptAgain]);
        }
        var segment = SegmentPath(1);
        // A crash after the file grew and the batch's headers reached the disk, but none of its
        // records' bytes did (they read as zeros). A later write keeps the held metadata.
        var tornAt = LogRecord.SizeOf(kept.Metadata.Length, kept.Data.Length);
        var keptAgainAt = tornAt + LogRecord.SizeOf(torn.Metadata.Length, torn.Data.Length);
        using (var file = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            Assert.Equal(keptAgainAt + LogRecord.SizeOf(kept.Metadata.Length, keptAgain.Data.Length), RandomAccess.GetLength(file));
            RandomAccess.Write(file, new byte[keptAgainAt - tornAt - LogRecord.HeaderSize], tornAt + LogRecord.HeaderSize);
            RandomAccess.Write(file, new byte[RandomAccess.GetLength(file) - keptAgainAt - LogRecord.HeaderSize], keptAgainAt + LogRecord.HeaderSize);
        }
        var before = await File.ReadAllBytesAsync(segment);

        var later = Copy(RandomBytes(500, seed: 13), At(0), "later");
        using (var recovered = OpenLog())
        {
            AssertHolds(recovered, kept);
            Assert.False(recovered.TryFind(torn.Id, out _));
            await recovered.AppendAsync([later]);
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(segment));
        // The next restart finds the torn batch in a segment that is no longer the newest: it must not come back.
        using var reopened = OpenLog();
        AssertHolds(reopened, later);
        Assert.False(reopened.TryFind(torn.Id, out _), "the torn record, dropped at the first restart, is back in the index");
        AssertHolds(reopened, kept);
    }

    [Fact]
    public async Task BytesThatAreNoRecordAfterTheLastOneAreIgnoredAndLeftAsTheyAre()
    {
        var copies = Enumerable.Range(0, 3).Select(i => Copy(RandomBytes(800, seed: 20 + i), Early, $"copy {i}")).ToList();
        using (var log = OpenLog())
        {
            await log.AppendAsync(copies);
        }
        var segment = SegmentPath(1);
        using (var file = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.Write(file, RandomBytes(300, seed: 29), RandomAccess.GetLength(file));
        }
        var before = await File.ReadAllBytesAsync(segment);
        var later = Copy(RandomBytes(500, seed: 30), Early, "later");

        using (var recovered = OpenLog())
        {
            copies.ForEach(copy => AssertHolds(recovered, copy));
            await recovered.AppendAsync([later]);
            Assert.True(recovered.TryFind(later.Id, out var entry));
            Assert.Equal(2, entry.Segment);
        }

        Assert.Equal(before, await File.ReadAllBytesAsync(segment));
        using var reopened = OpenLog();
        copies.ForEach(copy => AssertHolds(reopened, copy));
        AssertHolds(reopened, later);
    }

    [Fact]
    public async Task ARemovedCopyStaysRemovedAfterARestart()
    {
        var removed = Copy(RandomBytes(1000, seed: 40), Early, "removed");
        var kept = Copy(RandomBytes(1000, seed: 41), Early, "kept");
        using (var log = OpenLog())
        {
            await log.AppendAsync([removed, kept]);
            Assert.True(log.TryFind(removed.Id, out var entry));

            Assert.True(await log.RemoveAsync(removed.Id, entry));

            Assert.False(log.TryFind(removed.Id, out _));
            Assert.Equal(1, log.Count);
        }

        using var reopened = OpenLog();
        Assert.False(reopened.TryFind(removed.Id, out _));
        AssertHolds(reopened, kept);
        Assert.Equal([kept.Id], reopened.Ids(after: null));
        Assert.Null(DiskCopies.Find(_root, removed.Id.ToString()));
    }

    [Fact]
    public async Task ARemovalOfARecordWrittenOverSinceRemovesNothing()
    {
        var bytes = RandomBytes(1000, seed: 50);
        var first = Copy(bytes, Early, "first");
        var second = Copy(bytes, At(10), "second");
        using (var log = OpenLog())
        {
            await log.AppendAsync([first]);
            Assert.True(log.TryFind(first.Id, out var stale));
            await log.AppendAsync([second]);
            Assert.True(log.TryFind(first.Id, out var current));

            Assert.False(await log.RemoveAsync(first.Id, stale));

            Assert.True(log.TryFind(first.Id, out var after));
            Assert.Equal(current, after);
        }

        using var reopened = OpenLog();
        Assert.True(reopened.TryFind(first.Id, out var entry));
        Assert.Equal(second.Stamp, entry.Stamp);
        Assert.Equal(bytes, reopened.ReadData(entry));
    }

    [Fact]
    public async Task ALaterWriteOfAHeldIdKeepsTheHeldMetadataAndTakesTheLaterStamp()
    {
        var bytes = RandomBytes(1500, seed: 60);
        var first = Copy(bytes, Early, "first metadata");
        var later = Copy(bytes, At(100), "later metadata");
        using (var log = OpenLog())
        {
            await log.AppendAsync([first]);

            await log.AppendAsync([later]);

            Assert.True(log.TryFind(first.Id, out var entry));
            Assert.Equal(later.Stamp, entry.Stamp);
            Assert.Equal(first.Metadata, log.ReadMetadata(entry));
            Assert.Equal(bytes, log.ReadData(entry));
        }

        using var reopened = OpenLog();
        Assert.True(reopened.TryFind(first.Id, out var found));
        Assert.Equal(later.Stamp, found.Stamp);
        Assert.Equal(first.Metadata, reopened.ReadMetadata(found));
        Assert.Equal(2, DiskCopies.LogRecordsOf(_root, first.Id.ToString()));
    }

    [Fact]
    public async Task ALaterWriteInTheSameBatchKeepsTheFirstMetadataToo()
    {
        var bytes = RandomBytes(1500, seed: 61);
        var first = Copy(bytes, Early, "first metadata");
        var later = Copy(bytes, At(100), "later metadata");
        using var log = OpenLog();

        await log.AppendAsync([first, later]);

        Assert.True(log.TryFind(first.Id, out var entry));
        Assert.Equal(later.Stamp, entry.Stamp);
        Assert.Equal(first.Metadata, log.ReadMetadata(entry));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task AWriteStampedNoLaterThanTheHeldOneIsLeftOut(int ticksAfterHeld)
    {
        var bytes = RandomBytes(1500, seed: 70);
        var held = Copy(bytes, At(100), "held metadata");
        var stale = Copy(bytes, At(100 + ticksAfterHeld), "stale metadata");
        using (var log = OpenLog())
        {
            await log.AppendAsync([held]);
            Assert.True(log.TryFind(held.Id, out var before));

            await log.AppendAsync([stale]);

            Assert.True(log.TryFind(held.Id, out var after));
            Assert.Equal(before, after);
            Assert.Equal(held.Stamp, after.Stamp);
            Assert.Equal(held.Metadata, log.ReadMetadata(after));
        }

        Assert.Equal(1, DiskCopies.LogRecordsOf(_root, held.Id.ToString()));
        using var reopened = OpenLog();
        Assert.True(reopened.TryFind(held.Id, out var found));
        Assert.Equal(held.Stamp, found.Stamp);
        Assert.Equal(held.Metadata, reopened.ReadMetadata(found));
    }

    [Fact]
    public async Task AFailedFlushStopsTheLogUntilARestart()
    {
        var failing = false;
        var good = Copy(RandomBytes(700, seed: 80), Early, "good");
        var lost = Copy(RandomBytes(700, seed: 81), Early, "lost");
        var refused = Copy(RandomBytes(700, seed: 82), Early, "refused");
        using (var log = OpenLog(flush: handle =>
        {
            if (Volatile.Read(ref failing))
            {
                throw new IOException("Input/output error");
            }
            Libc.FlushData(handle);
        }))
        {
            await log.AppendAsync([good]);
            Assert.Null(log.Fault);
            Volatile.Write(ref failing, true);

            var error = await Assert.ThrowsAsync<StoreFaultedException>(() => log.AppendAsync([lost]));

            Assert.IsType<IOException>(error.InnerException);
            Assert.False(log.TryFind(lost.Id, out _));
            Assert.IsType<IOException>(log.Fault);
            // The disk is not trusted again without a restart, even once its flushes work.
            Volatile.Write(ref failing, false);
            await Assert.ThrowsAsync<StoreFaultedException>(() => log.AppendAsync([refused]));
            Assert.False(log.TryFind(refused.Id, out _));
            AssertHolds(log, good);
        }

        using var restarted = OpenLog();
        Assert.Null(restarted.Fault);
        AssertHolds(restarted, good);
        await restarted.AppendAsync([refused]);
        AssertHolds(restarted, refused);
    }

    [Fact]
    public async Task ACopyThatAStoppedLogForgetsStaysForgottenAfterARestart()
    {
        var failing = false;
        var forgotten = Copy(RandomBytes(700, seed: 90), Early, "forgotten");
        var kept = Copy(RandomBytes(700, seed: 91), Early, "kept");
        using (var log = OpenLog(flush: handle =>
        {
            if (Volatile.Read(ref failing))
            {
                throw new IOException("Input/output error");
            }
            Libc.FlushData(handle);
        }))
        {
            await log.AppendAsync([forgotten, kept]);
            Volatile.Write(ref failing, true);
            await Assert.ThrowsAsync<StoreFaultedException>(() => log.AppendAsync([Copy(RandomBytes(10, seed: 92), Early, "refused")]));
            Assert.True(log.TryFind(forgotten.Id, out var entry));
            // A removal record cannot be made durable any more: the stopped log forgets the record instead.
            await Assert.ThrowsAsync<StoreFaultedException>(() => log.RemoveAsync(forgotten.Id, entry));

            Assert.True(log.Forget(forgotten.Id, entry));

            Assert.False(log.TryFind(forgotten.Id, out _));
        }

        using var restarted = OpenLog();
        Assert.False(restarted.TryFind(forgotten.Id, out _));
        AssertHolds(restarted, kept);
    }

    [Fact]
    public async Task AppendsQueuedDuringAFlushShareTheNextOne()
    {
        const int Appends = 50;
        var flushes = 0;
        var copies = Enumerable.Range(0, Appends).Select(i => Copy(RandomBytes(200 + i, seed: 100 + i), At(i), $"copy {i}")).ToList();
        using var inFirstFlush = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        using var log = OpenLog(flush: handle =>
        {
            if (Interlocked.Increment(ref flushes) == 1)
            {
                inFirstFlush.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
            Libc.FlushData(handle);
        });

        // The first append's caller appends and flushes; the rest arrive while that flush is under way.
        var first = Task.Run(() => log.AppendAsync([copies[0]]));
        Assert.True(inFirstFlush.Wait(TimeSpan.FromSeconds(10)), "the first flush never started");
        var rest = copies.Skip(1).Select(copy => log.AppendAsync([copy])).ToList();
        Assert.All(rest, append => Assert.False(append.IsCompleted));
        release.Set();
        await Task.WhenAll(rest.Append(first));

        copies.ForEach(copy => AssertHolds(log, copy));
        Assert.Equal(Appends, log.Count);
        Assert.Equal(2, Volatile.Read(ref flushes));
    }

    [Fact]
    public async Task ASegmentIsDeletedOnceNothingInItIsLiveAndEveryOlderOneIsGone()
    {
        var copies = Enumerable.Range(0, 30).Select(i => Copy(RandomBytes(10_000, seed: 200 + i), Early, $"copy {i}")).ToList();
        List<LoggedCopy> left;
        using (var log = OpenLog(segmentBytes: 64 * 1024))
        {
            foreach (var copy in copies)
            {
                await log.AppendAsync([copy]);
            }
            Assert.True(SegmentNumbers().Count >= 4, $"the log rotated into {SegmentNumbers().Count} segments only");
            var first = InSegment(log, copies, 1);
            var second = InSegment(log, copies, 2);
            Assert.NotEmpty(first);
            Assert.NotEmpty(second);

            // The second segment empties first: it stays while the first one still holds copies.
            foreach (var copy in second)
            {
                await Remove(log, copy);
            }
            Assert.Contains(1, SegmentNumbers());
            Assert.Contains(2, SegmentNumbers());
            foreach (var copy in first[..^1])
            {
                await Remove(log, copy);
            }
            Assert.Contains(1, SegmentNumbers());

            await Remove(log, first[^1]);

            Assert.DoesNotContain(1, SegmentNumbers());
            Assert.DoesNotContain(2, SegmentNumbers());
            Assert.Contains(3, SegmentNumbers());
            left = [.. copies.Except(first).Except(second)];
            left.ForEach(copy => AssertHolds(log, copy));
        }

        using var reopened = OpenLog(segmentBytes: 64 * 1024);
        left.ForEach(copy => AssertHolds(reopened, copy));
        Assert.Equal(left.Select(copy => copy.Id).Order(), reopened.Ids(after: null));
    }

    [Fact]
    public async Task ARecordWhoseHeaderWasDamagedIsPassedOverAndTheRecordsAfterItAreKept()
    {
        var damaged = Copy(RandomBytes(3000, seed: 40), At(0), "damaged");
        var after = Enumerable.Range(0, 3).Select(i => Copy(RandomBytes(2000, seed: 41 + i), At(0), $"after-{i}")).ToList();
        using (var log = OpenLog())
        {
            await log.AppendAsync([damaged]);
            await log.AppendAsync(after);
        }
        // The first record's header (its id) goes bad: its length can no longer be trusted either.
        FlipByte(SegmentPath(1), at: 20);

        using var reopened = OpenLog();

        Assert.False(reopened.TryFind(damaged.Id, out _));
        after.ForEach(copy => AssertHolds(reopened, copy));
    }

    [Fact]
    public async Task ARecordPlantedInsideAnObjectsBytesIsNotTakenForOneWhenDamageMakesTheReaderSearch()
    {
        // Anyone can upload bytes that look like a log record: a copy of other bytes under an id
        // they do not hash to, and a removal of a real copy.
        var victim = Copy(RandomBytes(1500, seed: 50), At(0), "victim");
        var planted = new byte[8192];
        var forged = Copy(RandomBytes(900, seed: 51), At(5), "forged");
        var length = LogRecord.Write(planted, LogRecord.CopyKind, victim.Id, At(5), forged.Metadata, forged.Data.Span);
        LogRecord.Write(planted.AsSpan(length), LogRecord.RemovalKind, victim.Id, At(6), [], []);
        var carrier = Copy(planted, At(1), "carrier");
        LogEntry entry;
        using (var log = OpenLog())
        {
            await log.AppendAsync([victim]);
            await log.AppendAsync([carrier]);
            Assert.True(log.TryFind(carrier.Id, out entry));
        }
        // The carrier's header goes bad, so the reader searches for the next header and finds the planted ones.
        FlipByte(SegmentPath(1), at: entry.Offset + 20);

        using var reopened = OpenLog();

        AssertHolds(reopened, victim);
        Assert.False(reopened.TryFind(carrier.Id, out _));
    }

    private SmallObjectLog OpenLog(long segmentBytes = SegmentBytes, Action<SafeFileHandle>? flush = null) =>
        new(LogDirectory, segmentBytes, NullLogger.Instance, flush);

    private string SegmentPath(int number) => Path.Combine(LogDirectory, number.ToString("D6", CultureInfo.InvariantCulture) + ".log");

    private List<int> SegmentNumbers() =>
        [.. Directory.GetFiles(LogDirectory, "*.log").Select(path => int.Parse(Path.GetFileNameWithoutExtension(path), CultureInfo.InvariantCulture)).Order()];

    private static List<LoggedCopy> InSegment(SmallObjectLog log, List<LoggedCopy> copies, int segment) =>
        [.. copies.Where(copy => log.TryFind(copy.Id, out var entry) && entry.Segment == segment)];

    private static async Task Remove(SmallObjectLog log, LoggedCopy copy)
    {
        Assert.True(log.TryFind(copy.Id, out var entry));
        Assert.True(await log.RemoveAsync(copy.Id, entry));
    }

    private static void FlipByte(string path, long at)
    {
        using var file = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var one = new byte[1];
        RandomAccess.Read(file, one, at);
        one[0] ^= 0xFF;
        RandomAccess.Write(file, one, at);
    }

    private static void AssertHolds(SmallObjectLog log, LoggedCopy copy)
    {
        Assert.True(log.TryFind(copy.Id, out var entry), $"{copy.Id} is not found");
        Assert.Equal(copy.Data.ToArray(), log.ReadData(entry));
        Assert.Equal(copy.Metadata, log.ReadMetadata(entry));
        Assert.Equal(copy.Stamp, entry.Stamp);
    }

    /// <summary>A stamp <paramref name="ticks"/> after <see cref="Early"/>.</summary>
    private static HybridTimestamp At(long ticks) => new(Early.Ticks + ticks);

    private static LoggedCopy Copy(byte[] bytes, HybridTimestamp stamp, string metadata) =>
        new(TestBytes.IdOf(bytes), stamp, System.Text.Encoding.UTF8.GetBytes(metadata), bytes);

    private static byte[] RandomBytes(int length, int seed) => TestBytes.Random(length, seed);
}
