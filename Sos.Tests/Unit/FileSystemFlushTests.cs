using Sos.Core.Storage;

namespace Sos.Tests.Unit;

/// <summary>One syncfs for every write finished before it began, and none vouching for anything once one failed.</summary>
public sealed class FileSystemFlushTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sos-syncfs-").FullName;
    private int _syncs;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void OneSyncfsCoversEveryWriteFinishedBeforeItBeganAndNoneAfter()
    {
        using var flush = new FileSystemFlush(_root, Counted);
        var first = flush.Wrote();
        var second = flush.Wrote();

        flush.Flush(first);
        flush.Flush(second);
        flush.Flush(first);
        Assert.Equal(1, _syncs);

        var third = flush.Wrote();
        flush.Flush(third);
        Assert.Equal(2, _syncs);
    }

    [Fact]
    public void AFailedSyncfsFailsThatFlushAndEveryLaterOne()
    {
        var fail = true;
        using var flush = new FileSystemFlush(_root, descriptor => fail ? -1 : Counted(descriptor));
        var written = flush.Wrote();

        Assert.Throws<IOException>(() => flush.Flush(written));
        fail = false;

        // Linux reports a write-back error once: no later syncfs could vouch for what was written before it.
        Assert.Throws<IOException>(() => flush.Flush(written));
        Assert.Throws<IOException>(() => flush.Flush(flush.Wrote()));
        Assert.Equal(0, _syncs);
    }

    private int Counted(int descriptor)
    {
        _syncs++;
        return FileSystemFlush.Syncfs(descriptor);
    }
}
