using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using Sos.BlobServer.Storage;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

/// <summary>
/// A blob server adopting the small copies an upload API on its machine wrote straight to its inbox:
/// found as soon as they are acknowledged, kept through restarts and store failures, never twice,
/// never against a delete, and the inbox held open only while the store takes writes.
/// </summary>
/// <remarks>Cycles run only when a test asks (the interval is an hour), so what is found before one was adopted by the lookup itself.</remarks>
public sealed class InboxAdopterTests : IDisposable
{
    private static readonly HybridTimestamp Early = HybridTimestamp.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private readonly string _root = Directory.CreateTempSubdirectory("sos-adopter-").FullName;

    private string InboxDirectory => Path.Combine(_root, StoreLayout.InboxFolder);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task CopiesAppendedToAHeldSegmentAreFoundBeforeAnyCycleAndAdoptedOnceThroughARestart()
    {
        var first = Copy(4000, seed: 1, At(10), new Dictionary<string, string> { ["X-Orig-Filename"] = "first.txt" });
        var second = Copy(70_000, seed: 2, At(20), NoMetadata);
        var third = Copy(10, seed: 3, At(30), NoMetadata);
        using var writer = new TestInboxSegment(_root);
        await using (var server = await StartAsync())
        {
            writer.Append(first, second);

            AssertFound(server.Store, first);
            AssertFound(server.Store, second);
            writer.Append(third);
            Assert.Equal(new[] { first.Id, second.Id, third.Id }.Order(), server.Store.List());
        }

        // Read again from the start of the segment its writer still holds: nothing is written twice.
        await using (var restarted = await StartAsync())
        {
            Assert.True(File.Exists(writer.Path));
            foreach (var copy in new[] { first, second, third })
            {
                AssertFound(restarted.Store, copy);
                Assert.Equal(1, DiskCopies.LogRecordsOf(_root, copy.Id.ToString()));
            }

            // The same bytes uploaded again with other headers keep the first upload's metadata. (A
            // lookup finds the id held, so the later write is adopted by the next cycle.)
            writer.Append(first with { Stamp = At(40), Metadata = new Dictionary<string, string> { ["X-Orig-Filename"] = "again.txt" } });
            await restarted.Adopter.CycleAsync(CancellationToken.None);
            AssertFound(restarted.Store, first with { Stamp = At(40) });
        }
    }

    [Fact]
    public async Task ACopyFromTheUploadApisWriterIsAdoptedWithoutItsTraceContextAndTracedUnderItsUpload()
    {
        var upload = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var traceParent = $"00-{upload.TraceId}-{upload.SpanId}-01";
        var copy = Copy(4096, seed: 21, At(10), new Dictionary<string, string> { ["X-Orig-Filename"] = "traced.txt" });
        // Other tests run meanwhile and stop spans of their own, on other threads: only this trace's are kept.
        var spans = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Sos.BlobServer",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = span =>
            {
                if (span.TraceId == upload.TraceId)
                {
                    spans.Enqueue(span);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        await using var server = await StartAsync();
        using var writer = new InboxWriter(_root);

        writer.Append([new InboxCopy(copy.Id, copy.Bytes, copy.Metadata, copy.Stamp!.Value, traceParent)]);

        AssertFound(server.Store, copy);
        var adopted = Assert.Single(spans, span => span.OperationName == "sos.blob.inbox.copy" && span.TraceId == upload.TraceId);
        Assert.Equal(upload.SpanId, adopted.ParentSpanId);
        Assert.Contains(spans, span => span.OperationName == "sos.blob.store" && span.ParentSpanId == adopted.SpanId
            && (string?)span.GetTagItem("sos.object.id") == copy.Id.ToString());
    }

    [Fact]
    public async Task ASegmentStaysWhileItsWriterHoldsItAndGoesOnceLetGoAndEveryRecordIsAdopted()
    {
        var early = Copy(1000, seed: 4, At(10), NoMetadata);
        var last = Copy(2000, seed: 5, At(20), NoMetadata);
        await using var server = await StartAsync();
        var writer = new TestInboxSegment(_root);
        writer.Append(early);

        await server.Adopter.CycleAsync(CancellationToken.None);
        await server.Adopter.CycleAsync(CancellationToken.None);

        Assert.True(File.Exists(writer.Path));
        Assert.Equal(1, DiskCopies.LogRecordsOf(_root, early.Id.ToString()));

        // Appended just before the writer let go, and looked up by nobody: the cycle reads it before it deletes.
        writer.Append(last);
        writer.Dispose();
        await server.Adopter.CycleAsync(CancellationToken.None);

        Assert.False(File.Exists(writer.Path));
        Assert.Equal(1, DiskCopies.LogRecordsOf(_root, last.Id.ToString()));
        AssertFound(server.Store, early);
        AssertFound(server.Store, last);
    }

    [Fact]
    public async Task ACopyStampedBeforeItsDeleteIsNotAdoptedAndADeleteRightAfterAnAppendTrashesTheCopy()
    {
        var outdated = Copy(1000, seed: 6, At(10), NoMetadata);
        var deletedNext = Copy(1000, seed: 7, At(30), NoMetadata);
        var rebalanced = Copy(1000, seed: 17, At(50), NoMetadata);
        using var writer = new TestInboxSegment(_root);
        await using (var server = await StartAsync())
        {
            await server.Store.WriteTombstoneAsync(outdated.Id, At(20), CancellationToken.None);
            writer.Append(outdated);

            Assert.Null(server.Store.Find(outdated.Id));
            Assert.Equal(0, DiskCopies.LogRecordsOf(_root, outdated.Id.ToString()));

            writer.Append(deletedNext);
            var delete = await server.Store.WriteTombstoneAsync(deletedNext.Id, At(40), CancellationToken.None);

            Assert.Equal(new TombstoneWrite(TombstoneStatus.Deleted, At(40), Held: true), delete);
            Assert.Null(server.Store.Find(deletedNext.Id));
            Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".trash")), path => File.ReadAllBytes(path).SequenceEqual(deletedNext.Bytes));

            // The replicator's removal of a copy (no tombstone) finds it as well.
            writer.Append(rebalanced);
            Assert.True(server.Store.Delete(rebalanced.Id));
            Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".trash")), path => File.ReadAllBytes(path).SequenceEqual(rebalanced.Bytes));
        }

        // Adopted again from the start after a restart, both are refused again by their deletes.
        await using var restarted = await StartAsync();
        Assert.Null(restarted.Store.Find(outdated.Id));
        Assert.Null(restarted.Store.Find(deletedNext.Id));
        Assert.DoesNotContain(outdated.Id, restarted.Store.List());
        Assert.DoesNotContain(deletedNext.Id, restarted.Store.List());
    }

    [Fact]
    public async Task LookupsAndCyclesRacingAWriterFindEveryCopyAndLogEachOnce()
    {
        var copies = Enumerable.Range(0, 300).Select(i => Copy(500 + i, seed: 100 + i, At(i), NoMetadata)).ToList();
        await using var server = await StartAsync();
        using var writer = new TestInboxSegment(_root);
        using var done = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var appended = 0;
        var cycles = Task.Run(async () =>
        {
            while (Volatile.Read(ref appended) < copies.Count)
            {
                await server.Adopter.CycleAsync(done.Token);
            }
        });
        var lookups = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (Volatile.Read(ref appended) is var count && count < copies.Count)
            {
                // Every copy acknowledged so far is found, whoever adopts it.
                if (count > 0)
                {
                    Assert.NotNull(server.Store.Find(copies[Random.Shared.Next(count)].Id));
                }
                done.Token.ThrowIfCancellationRequested();
            }
        })).ToList();

        foreach (var batch in copies.Chunk(3))
        {
            writer.Append(batch);
            Volatile.Write(ref appended, Volatile.Read(ref appended) + batch.Length);
        }
        await Task.WhenAll([cycles, .. lookups]);

        foreach (var copy in copies)
        {
            AssertFound(server.Store, copy);
            Assert.Equal(1, DiskCopies.LogRecordsOf(_root, copy.Id.ToString()));
        }
    }

    [Fact]
    public async Task RecordsPastDamageWaitForTheWriterToLetGoAndACutShortEndIsPassedOver()
    {
        var before = Copy(3000, seed: 8, At(10), NoMetadata);
        var after = Copy(3000, seed: 9, At(20), NoMetadata);
        var cutShort = Copy(3000, seed: 10, At(30), NoMetadata);
        await using var server = await StartAsync();
        var writer = new TestInboxSegment(_root);
        writer.Append(before);
        writer.AppendBytes(TestBytes.Random(500, seed: 11));
        writer.Append(after);
        writer.AppendBytes(TestInboxSegment.Record(cutShort)[..1500]);

        // While its writer holds it, what is not whole may be a write in progress: reading stops there.
        AssertFound(server.Store, before);
        Assert.Null(server.Store.Find(after.Id));

        writer.Dispose();
        await server.Adopter.CycleAsync(CancellationToken.None);

        AssertFound(server.Store, before);
        AssertFound(server.Store, after);
        Assert.Null(server.Store.Find(cutShort.Id));
        Assert.False(File.Exists(writer.Path));
    }

    [Fact]
    public async Task TheInboxIsHeldOpenWhileTheStoreTakesWritesAndAStoreWhoseLogStoppedKeepsTheSegmentForItsRestart()
    {
        var failing = false;
        var copy = Copy(2000, seed: 12, At(10), new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" });
        string segment;
        await using (var server = await StartAsync(flushLog: file =>
        {
            if (Volatile.Read(ref failing))
            {
                throw new IOException("fdatasync failed (errno 5).");
            }
            RandomAccess.FlushToDisk(file);
        }))
        {
            Assert.True(server.Adopter.IsOpen);
            Assert.True(InboxHeldOpen());

            // A batch over HTTP whose flush fails stops the log for good.
            Volatile.Write(ref failing, true);
            var lost = await server.Store.StoreSmallAsync([Copy(100, seed: 16, At(5), NoMetadata)], CancellationToken.None);
            Assert.Equal(StoreStatus.Unavailable, Assert.Single(lost).Status);
            Assert.True(server.Adopter.IsOpen);
            using (var writer = new TestInboxSegment(_root))
            {
                writer.Append(copy);
                segment = writer.Path;
            }
            await server.Adopter.CycleAsync(CancellationToken.None);

            Assert.NotNull(server.Store.Fault);
            Assert.True(File.Exists(segment));
            Assert.False(server.Adopter.IsOpen);
            Assert.False(InboxHeldOpen());
            Assert.Null(server.Store.Find(copy.Id));
            Assert.Equal(0, DiskCopies.LogRecordsOf(_root, copy.Id.ToString()));
        }

        await using var restarted = await StartAsync();

        AssertFound(restarted.Store, copy);
        Assert.Equal(1, DiskCopies.LogRecordsOf(_root, copy.Id.ToString()));
        Assert.False(File.Exists(segment));
        Assert.True(InboxHeldOpen());
    }

    [Fact]
    public async Task AdoptedCopiesAreNeverRefusedForSpaceWhileWritesOverHttpAre()
    {
        var heldAsFile = TestBytes.Random(3000, seed: 13);
        await using (var roomy = await StartAsync())
        {
            // A copy that is a file of its own: a write of its id goes to the file, not the log.
            await roomy.Store.StoreAsync(TestBytes.IdOf(heldAsFile), new MemoryStream(heldAsFile), NoMetadata, At(10), CancellationToken.None);
        }
        var logged = Copy(1000, seed: 14, At(20), NoMetadata);
        var file = new SmallCopy(TestBytes.IdOf(heldAsFile), heldAsFile, NoMetadata, At(30));
        var overHttp = Copy(1000, seed: 15, At(40), NoMetadata);
        await using var full = await StartAsync(minFreeBytes: long.MaxValue);
        using var writer = new TestInboxSegment(_root);

        writer.Append(logged, file);
        var refused = await full.Store.StoreSmallAsync([overHttp], CancellationToken.None);

        AssertFound(full.Store, logged);
        var found = full.Store.Find(file.Id);
        Assert.NotNull(found);
        Assert.Null(found.Logged);
        Assert.Equal(At(30), found.Stamp);
        Assert.Equal(StoreStatus.InsufficientStorage, Assert.Single(refused).Status);
        Assert.Null(full.Store.Find(overHttp.Id));
        Assert.False(full.Adopter.IsOpen);
        Assert.False(InboxHeldOpen());
    }

    private static readonly Dictionary<string, string> NoMetadata = [];

    private async Task<RunningStore> StartAsync(long minFreeBytes = 0, Action<SafeFileHandle>? flushLog = null)
    {
        var options = Options.Create(new BlobStoreOptions { Root = _root, MinFreeBytes = minFreeBytes, InboxInterval = TimeSpan.FromHours(1) });
        var store = new BlobStore(options, new FsyncCommitter(), NullLogger<BlobStore>.Instance, TimeProvider.System, FsyncCommitter.FlushDirectory, flushLog);
        var adopter = new InboxAdopter(store, options, TimeProvider.System, NullLogger<InboxAdopter>.Instance);
        await adopter.StartAsync(CancellationToken.None);
        return new RunningStore(store, adopter);
    }

    /// <summary>Whether the server holds the inbox open, as a writer tells it: its try at an exclusive lock on <c>open</c> fails.</summary>
    private bool InboxHeldOpen()
    {
        SafeFileHandle probe;
        try
        {
            probe = File.OpenHandle(Path.Combine(InboxDirectory, StoreLayout.InboxOpenFile), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        using (probe)
        {
            return !FileLock.TryExclusive(probe);
        }
    }

    private static void AssertFound(BlobStore store, SmallCopy copy)
    {
        var found = store.Find(copy.Id);
        Assert.NotNull(found);
        Assert.NotNull(found.Logged);
        Assert.Equal(copy.Metadata, found.Metadata);
        Assert.Equal(copy.Stamp, found.Stamp);
        Assert.Equal(copy.Bytes, store.ReadLogged(found));
    }

    private static SmallCopy Copy(int length, int seed, HybridTimestamp stamp, IReadOnlyDictionary<string, string> metadata)
    {
        var bytes = TestBytes.Random(length, seed);
        return new SmallCopy(TestBytes.IdOf(bytes), bytes, metadata, stamp);
    }

    /// <summary>A stamp <paramref name="ticks"/> after <see cref="Early"/>.</summary>
    private static HybridTimestamp At(long ticks) => new(Early.Ticks + ticks);

    /// <summary>A store and its adopter, started as the host starts them and stopped as it stops them.</summary>
    private sealed record RunningStore(BlobStore Store, InboxAdopter Adopter) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Adopter.StopAsync(CancellationToken.None);
            Adopter.Dispose();
            Store.Dispose();
        }
    }
}
