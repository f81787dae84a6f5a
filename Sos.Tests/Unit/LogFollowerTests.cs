using Microsoft.Extensions.Logging.Abstractions;
using Sos.BlobServer.Storage.SmallObjects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

/// <summary>A small-object log followed from outside its server: what the server holds is found, as the server appends, removes and moves on to new segments; nothing else is.</summary>
public sealed class LogFollowerTests : IDisposable
{
    private static readonly HybridTimestamp Early = HybridTimestamp.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    // The log lives where a store keeps it (root/.log), so DiskCopies reads it as it reads a store's.
    private readonly string _root = Directory.CreateTempSubdirectory("sos-follower-").FullName;

    public LogFollowerTests() => Directory.CreateDirectory(LogDirectory);

    private string LogDirectory => Path.Combine(_root, StoreLayout.LogFolder);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task CopiesAppendedBeforeAndAfterItStartsAreFoundAndRemovedOnesAreNot()
    {
        var before = Copy(1000, seed: 1, Early);
        var after = Copy(2000, seed: 2, Early);
        var removed = Copy(3000, seed: 3, Early);
        using var log = OpenLog();
        await log.AppendAsync([before]);

        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        await log.AppendAsync([after, removed]);
        Assert.True(log.TryFind(removed.Id, out var entry));
        Assert.True(await log.RemoveAsync(removed.Id, entry));

        AssertFound(follower, before);
        AssertFound(follower, after);
        Assert.Null(follower.Find(removed.Id));
        Assert.Null(follower.Find(Copy(10, seed: 4, Early).Id));
    }

    [Fact]
    public async Task ARemovalOfACopyAlreadyFoundIsSeenWithinATenthOfASecond()
    {
        var copy = Copy(1000, seed: 13, Early);
        using var log = OpenLog();
        await log.AppendAsync([copy]);
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        AssertFound(follower, copy);

        Assert.True(log.TryFind(copy.Id, out var entry));
        Assert.True(await log.RemoveAsync(copy.Id, entry));
        await Task.Delay(TimeSpan.FromMilliseconds(150));

        Assert.Null(follower.Find(copy.Id));
    }

    [Fact]
    public async Task ACopyWrittenAgainIsFoundAsItsLatestRecord()
    {
        var bytes = TestBytes.Random(500, seed: 5);
        using var log = OpenLog();
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        await log.AppendAsync([new LoggedCopy(TestBytes.IdOf(bytes), Early, "first"u8.ToArray(), bytes)]);
        var later = new HybridTimestamp(Early.Ticks + 1000);
        await log.AppendAsync([new LoggedCopy(TestBytes.IdOf(bytes), later, "second"u8.ToArray(), bytes)]);

        var found = follower.Find(TestBytes.IdOf(bytes));

        Assert.NotNull(found);
        Assert.Equal(later, found.Stamp);
        // The log keeps the first write's metadata: what the follower finds is what the server would serve.
        Assert.Equal("first"u8.ToArray(), found.Metadata.ToArray());
    }

    [Fact]
    public async Task ItFollowsTheLogIntoNewSegmentsAndPastOnesTheServerDeleted()
    {
        // Segments of about three copies, so that appends move on often and emptied ones are deleted.
        var copies = Enumerable.Range(0, 30).Select(i => Copy(4000, seed: 100 + i, Early)).ToList();
        using var log = OpenLog(segmentBytes: 13_000);
        await log.AppendAsync([copies[0]]);
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;

        foreach (var copy in copies.Skip(1))
        {
            await log.AppendAsync([copy]);
        }
        foreach (var copy in copies.Take(20))
        {
            Assert.True(log.TryFind(copy.Id, out var entry));
            Assert.True(await log.RemoveAsync(copy.Id, entry));
        }

        Assert.True(Directory.GetFiles(LogDirectory, "*.log").Length < 10, "the server deleted no emptied segment");
        Assert.All(copies.Take(20), copy => Assert.Null(follower.Find(copy.Id)));
        Assert.All(copies.Skip(20), copy => AssertFound(follower, copy));
    }

    [Fact]
    public async Task ARecordDamagedOnDiskIsNotFound()
    {
        var good = Copy(1000, seed: 6, Early);
        var damaged = Copy(1000, seed: 7, Early);
        using var log = OpenLog();
        await log.AppendAsync([good, damaged]);
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        Assert.NotNull(follower.Find(damaged.Id));
        Assert.True(log.TryFind(damaged.Id, out var entry));

        DiskCopies.Corrupt(_root, damaged.Id.ToString(), at: 10);

        Assert.Null(follower.Find(damaged.Id));
        AssertFound(follower, good);
    }

    [Fact]
    public async Task ARecordCutShortByAStopIsPassedOverAndTheNextSegmentIsFollowed()
    {
        var kept = Copy(1000, seed: 8, Early);
        var cut = Copy(1000, seed: 9, Early);
        using (var log = OpenLog())
        {
            await log.AppendAsync([kept, cut]);
        }
        var segment = StoreLayout.SegmentPath(LogDirectory, 1);
        using (var file = File.OpenHandle(segment, FileMode.Open, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, RandomAccess.GetLength(file) - 100);
        }
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        Assert.Null(follower.Find(cut.Id));

        // The server's next start appends to a new segment, behind the cut record.
        var later = Copy(1000, seed: 10, Early);
        using (var restarted = OpenLog())
        {
            await restarted.AppendAsync([later]);
        }
        // A segment begun since is looked for at the follower's interval, not at every lookup.
        await Task.Delay(TimeSpan.FromMilliseconds(150));

        AssertFound(follower, kept);
        AssertFound(follower, later);
        Assert.Null(follower.Find(cut.Id));
    }

    [Fact]
    public async Task ALogWhoseServerTookCopiesOutWithoutARecordIsNotFollowed()
    {
        var copy = Copy(1000, seed: 11, Early);
        using var log = OpenLog();
        await log.AppendAsync([copy]);
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        AssertFound(follower, copy);

        await File.WriteAllTextAsync(Path.Combine(LogDirectory, StoreLayout.ForgottenFile), "1 0\n");
        await Task.Delay(TimeSpan.FromMilliseconds(150));

        Assert.Null(follower.Find(copy.Id));
    }

    [Fact]
    public async Task WithItsFolderWatchedARemovalANewSegmentAndAForgottenFileAreSeenAtTheNextLookup()
    {
        var kept = Copy(1000, seed: 20, Early);
        var removed = Copy(1000, seed: 21, Early);
        var later = Copy(1000, seed: 22, Early);
        using var watcher = new FolderWatcher();
        var log = OpenLog();
        await log.AppendAsync([kept, removed]);
        using var follower = new LogFollower(LogDirectory, watcher.Watch(LogDirectory));
        await follower.Ready;
        watcher.Drain();
        AssertFound(follower, removed);

        Assert.True(log.TryFind(removed.Id, out var entry));
        Assert.True(await log.RemoveAsync(removed.Id, entry));
        watcher.Drain();
        Assert.Null(follower.Find(removed.Id));

        // The server's next start appends to a new segment.
        log.Dispose();
        using (var restarted = OpenLog())
        {
            await restarted.AppendAsync([later]);
        }
        watcher.Drain();
        AssertFound(follower, later);
        AssertFound(follower, kept);

        await File.WriteAllTextAsync(Path.Combine(LogDirectory, StoreLayout.ForgottenFile), "1 0\n");
        watcher.Drain();
        Assert.Null(follower.Find(kept.Id));
    }

    [Theory]
    [InlineData(1)] // the new log's segments reuse the names read before
    [InlineData(3)] // the new log has fewer segments than the one read before
    public async Task ALogWipedAndStartedAfreshIsReadAgainFromItsStart(int oldSegments)
    {
        var old = Enumerable.Range(0, oldSegments * 3).Select(i => Copy(4000, seed: 200 + i, Early)).ToList();
        using (var log = OpenLog(segmentBytes: 13_000))
        {
            foreach (var copy in old)
            {
                await log.AppendAsync([copy]);
            }
        }
        using var follower = new LogFollower(LogDirectory);
        await follower.Ready;
        AssertFound(follower, old[^1]);

        // The store wiped under it (its server stopped), and a new one started in its place.
        Directory.Delete(LogDirectory, recursive: true);
        Directory.CreateDirectory(LogDirectory);
        var fresh = Copy(1000, seed: 300, Early);
        using (var log = OpenLog())
        {
            await log.AppendAsync([fresh]);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(150));

        Assert.All(old, copy => Assert.Null(follower.Find(copy.Id)));
        AssertFound(follower, fresh);
    }

    private static void AssertFound(LogFollower follower, LoggedCopy copy)
    {
        var found = follower.Find(copy.Id);
        Assert.True(found is not null, $"{copy.Id} is not found");
        Assert.Equal(copy.Data.ToArray(), found.Data.ToArray());
        Assert.Equal(copy.Metadata, found.Metadata.ToArray());
        Assert.Equal(copy.Stamp, found.Stamp);
    }

    private SmallObjectLog OpenLog(long segmentBytes = 64L * 1024 * 1024) => new(LogDirectory, segmentBytes, NullLogger.Instance);

    private static LoggedCopy Copy(int length, int seed, HybridTimestamp stamp)
    {
        var bytes = TestBytes.Random(length, seed);
        return new LoggedCopy(TestBytes.IdOf(bytes), stamp, System.Text.Encoding.UTF8.GetBytes($"meta-{seed}"), bytes);
    }
}
