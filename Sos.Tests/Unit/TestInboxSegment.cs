using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sos.BlobServer.Storage;
using Sos.Core.Storage;

namespace Sos.Tests.Unit;

/// <summary>
/// A segment of a blob server's inbox written as the protocol says, by no writer class: records in
/// the log's format, each batch one write and one flush, under a shared <c>flock</c> held for as
/// long as it may be appended to.
/// </summary>
internal sealed class TestInboxSegment : IDisposable
{
    private readonly SafeFileHandle _file;
    private long _end;

    public TestInboxSegment(string root)
    {
        var inbox = System.IO.Path.Combine(root, StoreLayout.InboxFolder);
        Directory.CreateDirectory(inbox);
        Path = System.IO.Path.Combine(inbox, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + StoreLayout.SegmentSuffix);
        _file = File.OpenHandle(Path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        Assert.True(FileLock.TryShared(_file));
    }

    public string Path { get; }

    /// <summary>Appends the copies as one batch and flushes it: from here on, a writer acknowledges them.</summary>
    public void Append(params SmallCopy[] copies) => AppendBytes([.. copies.SelectMany(Record)]);

    /// <summary>Appends bytes as they are: a record cut short, or a run of damage.</summary>
    public void AppendBytes(byte[] bytes)
    {
        RandomAccess.Write(_file, bytes, _end);
        RandomAccess.FlushToDisk(_file);
        _end += bytes.Length;
    }

    /// <summary>A copy's record as a writer makes it: its <c>.meta</c> bytes as the log's, its write's stamp.</summary>
    public static byte[] Record(SmallCopy copy)
    {
        var sums = new ChunkSums.Builder();
        sums.Append(copy.Bytes);
        var metadata = MetadataFile.Serialize(copy.Metadata, sums.Build());
        var record = new byte[LogRecord.SizeOf(metadata.Length, copy.Bytes.Length)];
        LogRecord.Write(record, LogRecord.CopyKind, copy.Id, copy.Stamp!.Value, metadata, copy.Bytes);
        return record;
    }

    /// <summary>The writer lets the segment go (it finished, or its process died): the lock goes with the file.</summary>
    public void Dispose() => _file.Dispose();
}
