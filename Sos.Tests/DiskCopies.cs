using Sos.Core.Storage;

namespace Sos.Tests;

/// <summary>
/// A blob server's copies as they are on its disk: a file of its own (<c>root/ab/c/id</c>), or the
/// latest record of the id in the small-object log (<c>root/.log</c>) unless a removal record
/// follows it. Unlike the store's own reading (<see cref="SegmentReader"/>), a record's bytes are
/// not checked here: a test that damages a copy must still find it, damaged, until the store takes
/// it out of service.
/// </summary>
internal static class DiskCopies
{
    /// <summary>Where the copy's bytes are; null when the disk holds none.</summary>
    public static CopyOnDisk? Find(string root, string id)
    {
        var path = Path.Combine(root, ShardLayout.RelativePath(id));
        if (File.Exists(path))
        {
            return new CopyOnDisk(path, 0, new FileInfo(path).Length);
        }
        CopyOnDisk? found = null;
        foreach (var (segment, offset, header) in Records(root))
        {
            if (header.Id.ToString() == id)
            {
                found = header.Kind == LogRecord.CopyKind
                    ? new CopyOnDisk(segment, offset + LogRecord.HeaderSize + header.MetadataLength, header.DataLength)
                    : null;
            }
        }
        return found;
    }

    /// <summary>The copy's bytes as they are on disk; null when the disk holds none.</summary>
    public static byte[]? Read(string root, string id)
    {
        if (Find(root, id) is not { } copy)
        {
            return null;
        }
        using var file = File.OpenHandle(copy.Path);
        var bytes = new byte[copy.Length];
        RandomAccess.Read(file, bytes, copy.Offset);
        return bytes;
    }

    /// <summary>How many copy records of the id the log holds, live or replaced: one write, one record.</summary>
    public static int LogRecordsOf(string root, string id) =>
        Records(root).Count(record => record.Header.Id.ToString() == id && record.Header.Kind == LogRecord.CopyKind);

    /// <summary>The copies of <paramref name="id"/> the blob server keeping <paramref name="root"/> has quarantined (their bytes; metadata beside them).</summary>
    public static string[] Quarantined(string root, string id)
    {
        var quarantine = Path.Combine(root, ".quarantine");
        return Directory.Exists(quarantine)
            ? [.. Directory.GetFiles(quarantine, id + ".*").Where(path => !path.EndsWith(".meta", StringComparison.Ordinal))]
            : [];
    }

    /// <summary>Flips one byte of the copy where it lies on disk, as a failing disk would.</summary>
    public static void Corrupt(string root, string id, long at = 0)
    {
        var copy = Find(root, id) ?? throw new InvalidOperationException($"{root} holds no copy of {id}");
        using var file = File.OpenHandle(copy.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        var one = new byte[1];
        RandomAccess.Read(file, one, copy.Offset + at);
        one[0] ^= 0xFF;
        RandomAccess.Write(file, one, copy.Offset + at);
    }

    private static IEnumerable<(string Segment, long Offset, LogRecordHeader Header)> Records(string root)
    {
        var log = Path.Combine(root, ".log");
        if (!Directory.Exists(log))
        {
            yield break;
        }
        foreach (var segment in Directory.GetFiles(log, "*.log").Order(StringComparer.Ordinal))
        {
            var bytes = File.ReadAllBytes(segment);
            var offset = 0;
            while (offset + LogRecord.HeaderSize <= bytes.Length
                && LogRecord.TryReadHeader(bytes.AsSpan(offset, LogRecord.HeaderSize), out var header)
                && offset + header.Length <= bytes.Length)
            {
                yield return (segment, offset, header);
                offset += header.Length;
            }
        }
    }
}

/// <summary>Where a copy's bytes lie: a file, and where in it.</summary>
internal sealed record CopyOnDisk(string Path, long Offset, long Length);
