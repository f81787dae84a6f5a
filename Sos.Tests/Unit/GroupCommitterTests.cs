using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;
using Sos.Core.Storage;

namespace Sos.Tests.Unit;

public sealed class GroupCommitterTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly Dictionary<string, string> NoMetadata = [];

    private readonly string _root = Directory.CreateTempSubdirectory("sos-commit-").FullName;
    private readonly List<GroupCommitter> _committers = [];

    private string TempFolder => Path.Combine(_root, ".tmp");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var committer in _committers)
        {
            await committer.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task AWriteIsAcknowledgedOnlyAfterTheFlushOfItsBytesAndTheFlushOfItsRename()
    {
        var flush = new GatedFlush();
        var (store, commits) = CreateStore(flush);
        var bytes = TestBytes.Random(4096, seed: 1);
        var id = TestBytes.IdOf(bytes);
        var shard = Path.GetDirectoryName(store.DataPath(id))!;

        var write = store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Mime-Type"] = "a/b" }, CancellationToken.None);

        // First flush: it covers the temp files; nothing is under the final name yet.
        var first = await flush.NextAsync();
        var commit = Assert.Single(commits.Tasks);
        Assert.Equal(TempFiles(), first.Files.Order(StringComparer.Ordinal));
        Assert.Equal(2, first.Files.Count);
        Assert.Empty(first.Directories);
        Assert.False(File.Exists(store.DataPath(id)));
        Assert.False(commit.IsCompleted);
        Assert.False(write.IsCompleted);
        first.Complete();

        // Second flush: the files were renamed into place after the first; it covers their directory.
        var second = await flush.NextAsync();
        Assert.Equal([shard], second.Directories);
        Assert.Empty(second.Files);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.DataPath(id)));
        Assert.True(File.Exists(store.DataPath(id) + ".meta"));
        Assert.Empty(TempFiles());
        Assert.False(commit.IsCompleted);
        Assert.False(write.IsCompleted);
        second.Complete();

        var result = await write.WaitAsync(Timeout);
        Assert.Equal(StoreStatus.Stored, result.Status);
        Assert.True(commit.IsCompletedSuccessfully);
        Assert.Equal("a/b", store.Find(id)!.Metadata["X-Mime-Type"]);
        Assert.Equal(2, flush.Calls);
    }

    [Fact]
    public async Task FiftyConcurrentWritesShareAFewFlushes()
    {
        const int Writes = 50;
        var flush = new GatedFlush();
        var (store, commits) = CreateStore(flush);
        var objects = Enumerable.Range(0, Writes).Select(i => TestBytes.Random(4096, seed: 100 + i)).ToList();

        var writes = objects.Select(bytes => store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None)).ToList();
        // The first write's flush is held until every write has been handed to the committer.
        var first = await flush.NextAsync();
        await commits.WaitForAsync(Writes);
        Assert.All(commits.Tasks, commit => Assert.False(commit.IsCompleted));
        flush.Open();

        var results = await Task.WhenAll(writes).WaitAsync(Timeout);

        Assert.All(results, result => Assert.Equal(StoreStatus.Stored, result.Status));
        Assert.All(objects, bytes => Assert.Equal(bytes, File.ReadAllBytes(store.DataPath(TestBytes.IdOf(bytes)))));
        Assert.Empty(TempFiles());
        // Held first flush (the first k writes' bytes); then one for their renames and the other
        // writes' bytes; then one for the others' renames. Two temp files each: bytes and .meta.
        Assert.InRange(first.Files.Count, 2, 2 * Writes);
        Assert.InRange(flush.Calls, 2, 3);
        Assert.Equal(2 * Writes, flush.FilesCovered);
    }

    [Fact]
    public async Task AFailedFlushFailsEveryWriteItCoveredOrThatWasInFlightAndStopsAllLaterWrites()
    {
        var flush = new GatedFlush();
        var (store, commits) = CreateStore(flush);
        var committer = _committers.Single();
        var renamedBytes = TestBytes.Random(3000, seed: 2);
        var stagedBytes = new[] { TestBytes.Random(3000, seed: 3), TestBytes.Random(3000, seed: 4) };
        var inFlightBytes = TestBytes.Random(3000, seed: 10);
        var failure = new IOException("syncfs: EIO");

        // One write gets past its first flush and is renamed; two more are staged behind it.
        var renamed = store.StoreAsync(TestBytes.IdOf(renamedBytes), new MemoryStream(renamedBytes), new Dictionary<string, string> { ["X-Tag"] = "r" }, CancellationToken.None);
        var first = await flush.NextAsync();
        var staged = stagedBytes.Select(bytes => store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), new Dictionary<string, string> { ["X-Tag"] = "s" }, CancellationToken.None)).ToList();
        await commits.WaitForAsync(3);
        first.Complete();
        var second = await flush.NextAsync();
        Assert.Equal(4, second.Files.Count);
        Assert.Single(second.Directories);
        // Queued while the failing flush runs: its pages may have been in that write-back, and
        // Linux reports the error only to the flush that failed, never to the next one.
        var inFlight = store.StoreAsync(TestBytes.IdOf(inFlightBytes), new MemoryStream(inFlightBytes), NoMetadata, CancellationToken.None);
        await commits.WaitForAsync(1);
        second.Fail(failure);
        flush.Open(); // every later flush would succeed

        foreach (var write in staged.Prepend(renamed).Append(inFlight))
        {
            Assert.Equal(StoreStatus.Unavailable, (await write.WaitAsync(Timeout)).Status);
        }
        Assert.All(commits.Tasks, commit => Assert.True(commit.IsFaulted));
        Assert.Same(failure, committer.Fault);
        Assert.Same(failure, store.Fault);
        Assert.Empty(TempFiles());
        foreach (var bytes in stagedBytes.Append(inFlightBytes))
        {
            Assert.Null(store.Find(TestBytes.IdOf(bytes)));
        }
        // The renamed copy stays: whole and checked against its id, though never acknowledged.
        Assert.Equal(renamedBytes, await File.ReadAllBytesAsync(store.DataPath(TestBytes.IdOf(renamedBytes))));

        var later = TestBytes.Random(3000, seed: 5);
        var large = TestBytes.Random(2 * 1024 * 1024, seed: 11);
        var refused = await store.StoreAsync(TestBytes.IdOf(later), new MemoryStream(later), NoMetadata, CancellationToken.None).WaitAsync(Timeout);
        var refusedLarge = await store.StoreAsync(TestBytes.IdOf(large), new MemoryStream(large), NoMetadata, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StoreStatus.Unavailable, refused.Status);
        Assert.Equal(StoreStatus.Unavailable, refusedLarge.Status);
        Assert.Null(store.Find(TestBytes.IdOf(later)));
        Assert.Null(store.Find(TestBytes.IdOf(large)));
        Assert.Empty(TempFiles());
    }

    [Theory]
    [InlineData(4, 19, false)]
    [InlineData(5, 4, false)]
    [InlineData(5, 7, false)]
    [InlineData(5, 8, true)]
    [InlineData(6, 1, true)]
    public void SyncfsGroupsFlushesOnlyOnKernelsWhereItReportsWriteBackErrors(int major, int minor, bool reliable)
    {
        Assert.Equal(reliable, FileSystemFlush.ReportsWriteBackErrors(new Version(major, minor)));
    }

    [Fact]
    public void WithoutAReportingSyncfsEveryWriterFlushesItsOwnFiles()
    {
        var directories = new GroupCommitter(new DirectoryFlush(), maxBytes: 1000, NullLogger.Instance);
        var gated = new GroupCommitter(new GatedFlush(), maxBytes: 1000, NullLogger.Instance);
        _committers.Add(directories);
        _committers.Add(gated);

        Assert.True(directories.NeedsWriterFlush(10));
        Assert.True(directories.NeedsWriterFlush(10_000));
        Assert.False(gated.NeedsWriterFlush(1000)); // its flush covers the files' bytes
        Assert.True(gated.NeedsWriterFlush(1001)); // the large path flushes on its own
    }

    [Fact]
    public async Task AnObjectAboveTheThresholdFlushesOnItsOwnAndOneAtItGoesThroughTheGroup()
    {
        var flush = new GatedFlush();
        flush.Open();
        var (store, _) = CreateStore(flush, maxBytes: 10_000);
        var large = TestBytes.Random(10_001, seed: 6);
        var small = TestBytes.Random(10_000, seed: 7);

        var stored = await store.StoreAsync(TestBytes.IdOf(large), new MemoryStream(large), new Dictionary<string, string> { ["X-Tag"] = "big" }, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(StoreStatus.Stored, stored.Status);
        Assert.Equal(0, flush.Calls);
        Assert.Equal(large, await File.ReadAllBytesAsync(store.DataPath(TestBytes.IdOf(large))));
        Assert.Equal("big", store.Find(TestBytes.IdOf(large))!.Metadata["X-Tag"]);

        await store.StoreAsync(TestBytes.IdOf(small), new MemoryStream(small), NoMetadata, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(2, flush.Calls);
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task ACancelledRequestStillFinishesAQueuedWriteWhole()
    {
        var flush = new GatedFlush();
        var (store, _) = CreateStore(flush);
        var bytes = TestBytes.Random(2000, seed: 8);
        var id = TestBytes.IdOf(bytes);
        using var request = new CancellationTokenSource();

        var write = store.StoreAsync(id, new MemoryStream(bytes), new Dictionary<string, string> { ["X-Tag"] = "c" }, request.Token);
        var first = await flush.NextAsync();
        await request.CancelAsync();
        first.Complete();
        (await flush.NextAsync()).Complete();

        Assert.Equal(StoreStatus.Stored, (await write.WaitAsync(Timeout)).Status);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(store.DataPath(id)));
        Assert.Equal("c", store.Find(id)!.Metadata["X-Tag"]);
        Assert.Empty(TempFiles());
    }

    [Fact]
    public async Task DisposalFinishesQueuedWritesAndRefusesNewOnes()
    {
        var flush = new GatedFlush();
        var store = CreateStore(flush).Store;
        var committer = _committers.Single();
        var bytes = TestBytes.Random(2000, seed: 9);

        var write = store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), NoMetadata, CancellationToken.None);
        var first = await flush.NextAsync();
        var disposal = committer.DisposeAsync().AsTask();
        Assert.False(disposal.IsCompleted);
        first.Complete();
        (await flush.NextAsync()).Complete();
        await disposal.WaitAsync(Timeout);

        Assert.Equal(StoreStatus.Stored, (await write.WaitAsync(Timeout)).Status);
        Assert.True(flush.Disposed);
        var staged = new StagedBlob(Path.Combine(TempFolder, "x"), null, store.DataPath(TestBytes.IdOf(bytes)), "y", Size: 1);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => committer.CommitAsync(staged, CancellationToken.None));
    }

    [LinuxFact]
    public async Task WritesThroughSyncfsLandWithTheirBytesUnderTheirNames()
    {
        var store = CreateStore(new SyncfsFlush(_root)).Store;

        await AssertConcurrentWritesLand(store);
    }

    [Fact]
    public async Task WritesFlushedByTheirWritersWithSharedDirectoryFlushesLandWithTheirBytesUnderTheirNames()
    {
        var store = CreateStore(new DirectoryFlush()).Store;

        await AssertConcurrentWritesLand(store);
    }

    [Fact]
    public async Task TheCommitterBuiltFromOptionsCommitsToTheStoreRoot()
    {
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        var committer = new GroupCommitter(options, NullLogger<GroupCommitter>.Instance);
        _committers.Add(committer);
        var store = new BlobStore(options, committer, NullLogger<BlobStore>.Instance);

        await AssertConcurrentWritesLand(store);
    }

    private async Task AssertConcurrentWritesLand(BlobStore store)
    {
        var objects = Enumerable.Range(0, 20).Select(i => TestBytes.Random(4096 + i, seed: 200 + i)).ToList();

        var results = await Task.WhenAll(objects.Select((bytes, i) =>
            store.StoreAsync(TestBytes.IdOf(bytes), new MemoryStream(bytes), i % 2 == 0 ? NoMetadata : new Dictionary<string, string> { ["X-N"] = $"{i}" }, CancellationToken.None)))
            .WaitAsync(Timeout);

        Assert.All(results, result => Assert.Equal(StoreStatus.Stored, result.Status));
        for (var i = 0; i < objects.Count; i++)
        {
            var id = TestBytes.IdOf(objects[i]);
            Assert.Equal(objects[i], await File.ReadAllBytesAsync(store.DataPath(id)));
            Assert.True(File.Exists(store.DataPath(id) + ".meta"));
            Assert.Equal(i % 2 == 1, store.Find(id)!.Metadata.Count == 1);
        }
        Assert.Equal(objects.Select(TestBytes.IdOf).Order(), store.List());
        Assert.Empty(TempFiles());
    }

    private (BlobStore Store, RecordingCommitter Commits) CreateStore(IBatchFlush flush, long maxBytes = 1024 * 1024)
    {
        var committer = new GroupCommitter(flush, maxBytes, NullLogger.Instance);
        _committers.Add(committer);
        var recording = new RecordingCommitter(committer);
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = 0 });
        return (new BlobStore(options, recording, NullLogger<BlobStore>.Instance), recording);
    }

    private string[] TempFiles() => [.. Directory.GetFiles(TempFolder).Order(StringComparer.Ordinal)];

    /// <summary>Passes commits on and keeps the tasks it got back, so a test sees exactly when a write is acknowledged.</summary>
    private sealed class RecordingCommitter(IDurableCommitter inner) : IDurableCommitter
    {
        private readonly List<Task> _tasks = [];
        private readonly Lock _lock = new();
        private readonly Channel<Task> _handed = Channel.CreateUnbounded<Task>();

        public Exception? Fault => inner.Fault;

        public bool NeedsWriterFlush(long size) => inner.NeedsWriterFlush(size);

        public bool CoversNewDirectories(long size) => inner.CoversNewDirectories(size);

        public IReadOnlyList<Task> Tasks
        {
            get
            {
                lock (_lock)
                {
                    return [.. _tasks];
                }
            }
        }

        public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
        {
            var task = inner.CommitAsync(staged, cancellationToken);
            lock (_lock)
            {
                _tasks.Add(task);
            }
            _handed.Writer.TryWrite(task);
            return task;
        }

        /// <summary>Returns once <paramref name="count"/> writes have been handed on (and so queued).</summary>
        public async Task WaitForAsync(int count)
        {
            using var timeout = new CancellationTokenSource(Timeout);
            for (var i = 0; i < count; i++)
            {
                await _handed.Reader.ReadAsync(timeout.Token);
            }
        }
    }

    /// <summary>
    /// A flush the test controls: each call is held until the test completes or fails it, unless
    /// the gate is open. Records what every call was asked to cover.
    /// </summary>
    private sealed class GatedFlush : IBatchFlush
    {
        private readonly Channel<HeldFlush> _next = Channel.CreateUnbounded<HeldFlush>();
        private readonly List<HeldFlush> _held = [];
        private readonly Lock _lock = new();
        private bool _open;
        private int _calls;
        private int _filesCovered;

        public int Calls => Volatile.Read(ref _calls);

        public int FilesCovered => Volatile.Read(ref _filesCovered);

        public bool Disposed { get; private set; }

        public void Flush(IReadOnlyCollection<string> files, IReadOnlyCollection<string> directories)
        {
            Interlocked.Increment(ref _calls);
            Interlocked.Add(ref _filesCovered, files.Count);
            var held = new HeldFlush([.. files], [.. directories]);
            lock (_lock)
            {
                if (_open)
                {
                    return;
                }
                _held.Add(held);
                _next.Writer.TryWrite(held);
            }
            // Blocks the committer's loop, as a slow disk would.
            held.Outcome.Task.WaitAsync(Timeout).GetAwaiter().GetResult();
        }

        /// <summary>The next flush the committer is held in.</summary>
        public async Task<HeldFlush> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Timeout);
            return await _next.Reader.ReadAsync(timeout.Token);
        }

        /// <summary>Releases every flush held now and lets every later one through.</summary>
        public void Open()
        {
            lock (_lock)
            {
                _open = true;
                foreach (var held in _held)
                {
                    held.Complete();
                }
            }
        }

        public void Dispose() => Disposed = true;
    }

    private sealed class HeldFlush(IReadOnlyList<string> files, IReadOnlyList<string> directories)
    {
        public IReadOnlyList<string> Files { get; } = files;

        public IReadOnlyList<string> Directories { get; } = directories;

        public TaskCompletionSource Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete() => Outcome.TrySetResult();

        public void Fail(Exception failure) => Outcome.TrySetException(failure);
    }

    private sealed class LinuxFactAttribute : FactAttribute
    {
        public LinuxFactAttribute()
        {
            if (!OperatingSystem.IsLinux())
            {
                Skip = "syncfs is Linux only; elsewhere the committer fsyncs each file (tested above).";
            }
        }
    }
}
