using Microsoft.Extensions.Time.Testing;
using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

/// <summary>One process's segment in a server's inbox: records as the server's log holds them, made durable before an append returns, held locked while it may grow, and used only while the server holds its inbox open.</summary>
public sealed class InboxWriterTests : IDisposable
{
    private static readonly HybridTimestamp Stamp = HybridTimestamp.FromTime(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private readonly string _root = Directory.CreateTempSubdirectory("sos-inbox-").FullName;

    public InboxWriterTests() => Directory.CreateDirectory(InboxDirectory);

    private string InboxDirectory => Path.Combine(_root, StoreLayout.InboxFolder);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AppendedCopiesAreWholeRecordsWithTheirMetadataStampAndChunkSums()
    {
        var copies = new[] { Copy(4096, 1, new Dictionary<string, string> { ["X-Name"] = "a.txt" }), Copy(70, 2, new Dictionary<string, string>()) };
        using (var writer = new InboxWriter(_root))
        {
            writer.Append([copies[0]]);
            writer.Append([copies[1]]);
        }

        var segment = Assert.Single(StoreLayout.InboxSegments(InboxDirectory));
        using var handle = File.OpenHandle(segment);
        var records = new SegmentReader(handle).Records().ToList();
        Assert.Equal(2, records.Count);
        for (var i = 0; i < copies.Length; i++)
        {
            var (offset, header) = records[i];
            Assert.Equal((LogRecord.CopyKind, copies[i].Id, Stamp), (header.Kind, header.Id, header.Stamp));
            var payload = new byte[header.Length - LogRecord.HeaderSize];
            RandomAccess.Read(handle, payload, offset + LogRecord.HeaderSize);
            var metadata = MetadataFile.FromBytes(payload.AsSpan(0, header.MetadataLength));
            Assert.Equal(MetadataState.Intact, metadata.State);
            Assert.Equal(copies[i].Metadata, metadata.Metadata);
            Assert.True(metadata.Chunks!.MatchesWhole(payload.AsSpan(header.MetadataLength)));
        }
    }

    [Fact]
    public void TheSegmentIsLockedWhileTheWriterMayAppendAndFreeOnceItLetsGo()
    {
        var writer = new InboxWriter(_root);
        writer.Append([Copy(100, 3, new Dictionary<string, string>())]);
        var segment = Assert.Single(StoreLayout.InboxSegments(InboxDirectory));
        using var server = File.OpenHandle(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);

        Assert.False(FileLock.TryExclusive(server));
        writer.Dispose();
        Assert.True(FileLock.TryExclusive(server));
    }

    [Fact]
    public void ASegmentPastItsSizeIsLetGoAndTheNextOneStarted()
    {
        using var writer = new InboxWriter(_root, segmentBytes: 10_000);
        writer.Append([Copy(6000, 4, new Dictionary<string, string>())]);
        writer.Append([Copy(6000, 5, new Dictionary<string, string>())]);

        var segments = StoreLayout.InboxSegments(InboxDirectory);
        Assert.Equal(2, segments.Count);
        var free = segments.Count(path =>
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return FileLock.TryExclusive(handle);
        });
        Assert.Equal(1, free);
    }

    [Fact]
    public void AFailedFlushRefusesTheBatchAndStopsTheWriterForGood()
    {
        var fail = false;
        using var writer = new InboxWriter(_root, flush: handle =>
        {
            if (fail)
            {
                throw new IOException("EIO");
            }
        });
        using var open = HoldOpen();
        writer.Append([Copy(100, 6, new Dictionary<string, string>())]);
        Assert.True(writer.IsOpen);

        fail = true;
        Assert.Throws<IOException>(() => writer.Append([Copy(100, 7, new Dictionary<string, string>())]));
        fail = false;

        Assert.NotNull(writer.Fault);
        Assert.False(writer.IsOpen);
        Assert.Throws<IOException>(() => writer.Append([Copy(100, 8, new Dictionary<string, string>())]));
    }

    [Fact]
    public void WritersOnOneFileSystemWriteTheirBatchesThenShareOneFlush()
    {
        var syncs = 0;
        var otherRoot = Directory.CreateTempSubdirectory("sos-inbox-").FullName;
        Directory.CreateDirectory(Path.Combine(otherRoot, StoreLayout.InboxFolder));
        try
        {
            using var shared = new FileSystemFlush(_root, descriptor =>
            {
                syncs++;
                return FileSystemFlush.Syncfs(descriptor);
            });
            using var first = new InboxWriter(_root, fileSystemOf: _ => shared);
            using var second = new InboxWriter(otherRoot, fileSystemOf: _ => shared);

            first.Write([Copy(100, 9, new Dictionary<string, string>())]);
            second.Write([Copy(200, 10, new Dictionary<string, string>())]);
            first.Flush();
            second.Flush();
            Assert.Equal(1, syncs);

            // A write after that flush began is not covered by it.
            second.Append([Copy(300, 11, new Dictionary<string, string>())]);
            Assert.Equal(2, syncs);
            Assert.Single(Records(_root));
            Assert.Equal(2, Records(otherRoot).Count);
        }
        finally
        {
            Directory.Delete(otherRoot, recursive: true);
        }
    }

    [Fact]
    public void AFailedSharedFlushStopsEveryWriterThatShares()
    {
        var fail = false;
        var otherRoot = Directory.CreateTempSubdirectory("sos-inbox-").FullName;
        Directory.CreateDirectory(Path.Combine(otherRoot, StoreLayout.InboxFolder));
        try
        {
            using var shared = new FileSystemFlush(_root, descriptor => fail ? -1 : FileSystemFlush.Syncfs(descriptor));
            using var first = new InboxWriter(_root, fileSystemOf: _ => shared);
            using var second = new InboxWriter(otherRoot, fileSystemOf: _ => shared);
            first.Append([Copy(100, 12, new Dictionary<string, string>())]);

            fail = true;
            first.Write([Copy(100, 13, new Dictionary<string, string>())]);
            second.Write([Copy(100, 14, new Dictionary<string, string>())]);
            Assert.Throws<IOException>(first.Flush);
            fail = false;
            Assert.Throws<IOException>(second.Flush);

            Assert.NotNull(first.Fault);
            Assert.NotNull(second.Fault);
            Assert.Throws<IOException>(() => second.Append([Copy(100, 15, new Dictionary<string, string>())]));
        }
        finally
        {
            Directory.Delete(otherRoot, recursive: true);
        }
    }

    [Fact]
    public void TheInboxIsOpenOnlyWhileTheServerHoldsItsLock()
    {
        var time = new FakeTimeProvider();
        using var writer = new InboxWriter(_root, time: time);
        Assert.False(writer.IsOpen); // no open file: a server without an inbox, or not started

        using (HoldOpen())
        {
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(writer.IsOpen);
        }
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(writer.IsOpen);

        // The writer's check let go at once: the server takes its lock again.
        using var again = HoldOpen();
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(writer.IsOpen);
    }

    /// <summary>The server's side of the protocol: the <c>open</c> file, held with a shared lock.</summary>
    private SafeFileHandle HoldOpen()
    {
        var handle = File.OpenHandle(Path.Combine(InboxDirectory, StoreLayout.InboxOpenFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        Assert.True(FileLock.TryShared(handle));
        return handle;
    }

    /// <summary>The whole records in the segments of <paramref name="root"/>'s inbox.</summary>
    private static List<(long Offset, LogRecordHeader Header)> Records(string root) =>
        [.. StoreLayout.InboxSegments(Path.Combine(root, StoreLayout.InboxFolder)).SelectMany(path =>
        {
            using var handle = File.OpenHandle(path);
            return new SegmentReader(handle).Records().ToList();
        })];

    private static InboxCopy Copy(int length, int seed, Dictionary<string, string> metadata)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return new InboxCopy(ObjectId.Of(bytes), bytes, metadata, Stamp);
    }
}
