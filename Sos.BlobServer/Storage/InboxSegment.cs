using Microsoft.Win32.SafeHandles;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>
/// One segment of the inbox as its adopter follows it: the file, open from when it was first seen,
/// how far its records have been adopted, and whether its writer has let it go.
/// </summary>
internal sealed class InboxSegment : IDisposable
{
    private readonly SafeFileHandle _file;

    // Its length when it was last read through with nothing left to adopt up to there; -1: read it again.
    private long _seen = -1;

    private InboxSegment(string path, SafeFileHandle file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>Where the first record not adopted yet starts: everything before it is in the store's log, or was refused for good.</summary>
    public long Adopted { get; set; }

    /// <summary>How many of its records were taken (adopted, or refused for good).</summary>
    public int Taken { get; set; }

    /// <summary>Its writer let it go and this adopter holds it: nothing more is appended, and it is read to its end.</summary>
    public bool Complete { get; private set; }

    /// <summary>Records, or runs of bytes that were no record, passed over: a write cut short by its writer's stop, or damage.</summary>
    public int Skipped { get; set; }

    /// <summary>Whether its last read failed (the failure is logged once, not at every look).</summary>
    public bool ReadFailed { get; set; }

    /// <summary>
    /// Whether it is longer than when it was last read through: the cheap look (one <c>fstat</c>)
    /// made before the store answers that it lacks an id.
    /// </summary>
    public bool HasGrown
    {
        get
        {
            try
            {
                return RandomAccess.GetLength(_file) != Volatile.Read(ref _seen);
            }
            catch (ObjectDisposedException)
            {
                return true; // adopted and deleted meanwhile: the caller looks again under the adopter's lock
            }
        }
    }

    /// <summary>Opens the segment at <paramref name="path"/>; null when it is gone, or cannot be opened now (the next listing tries again).</summary>
    public static InboxSegment? TryOpen(string path)
    {
        try
        {
            return new InboxSegment(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (IOException)
        {
            return null;
        }
    }

    public long Length() => RandomAccess.GetLength(_file);

    /// <summary>Notes that it was read through up to <paramref name="length"/> (measured before the read); -1 has it read again.</summary>
    public void ReadThrough(long length) => Volatile.Write(ref _seen, length);

    /// <summary>
    /// Takes the segment over once its writer has let it go: an exclusive lock on it can be had only
    /// while no writer holds its shared one (see <see cref="FileLock"/>). An empty segment made a
    /// moment ago is left alone: its writer may have created it and not locked it yet.
    /// </summary>
    public bool TryTakeOver(TimeSpan emptyGrace)
    {
        if (!Complete && (Length() > 0 || DateTime.UtcNow - File.GetLastWriteTimeUtc(_file) >= emptyGrace))
        {
            Complete = FileLock.TryExclusive(_file);
        }
        return Complete;
    }

    /// <summary>
    /// Its records from <see cref="Adopted"/> on, each with the bytes after its header. While its
    /// writer may append, up to the first that is not whole: that may be one being written. Once it
    /// is <see cref="Complete"/>, to its end, as the log's own start reads a segment: intact records
    /// past damage are kept, and a write cut short is passed over and counted in <see cref="Skipped"/>.
    /// </summary>
    public IEnumerable<(long Offset, LogRecordHeader Header, ReadOnlyMemory<byte> Payload)> Records()
    {
        var end = Adopted;
        foreach (var record in SegmentReader.WholeRecords(_file, Adopted))
        {
            end = record.Offset + record.Header.Length;
            yield return record;
        }
        if (!Complete || end >= Length())
        {
            yield break;
        }
        var reader = new SegmentReader(_file);
        foreach (var (offset, _) in reader.Records(end))
        {
            if (SegmentReader.ReadRecord(_file, offset) is var (header, payload))
            {
                yield return (offset, header, payload);
            }
        }
        Skipped += reader.Skipped;
    }

    /// <summary>Closes the file, and with it this adopter's lock on it.</summary>
    public void Dispose() => _file.Dispose();
}
