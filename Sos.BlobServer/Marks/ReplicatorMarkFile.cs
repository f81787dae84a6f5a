using System.Globalization;
using Sos.BlobServer.Storage;
using Sos.Core.BlobServers;

namespace Sos.BlobServer.Marks;

/// <summary>
/// The replicator's mark on this server, kept durably in <c>root/.replicator-seen</c> (decimal
/// UTC ticks) beside the data it speaks for: a disk restored from an old backup brings its old
/// mark with it, and a wiped disk has none. A mark only moves forward, so two replicators with
/// clocks apart never make a server look older than it is. The store's creation time is the
/// identity file's, which is written once.
/// </summary>
internal sealed class ReplicatorMarkFile(BlobStore store)
{
    public const string FileName = ".replicator-seen";

    private readonly Lock _lock = new();

    private string MarkPath => Path.Combine(store.Root, FileName);

    public ReplicatorMark Read() => new(ReadSeen(), CreatedAt());

    /// <summary>Records <paramref name="seenAt"/> unless a later mark is held, durably; returns the mark kept.</summary>
    public ReplicatorMark Write(DateTimeOffset seenAt)
    {
        lock (_lock)
        {
            if (ReadSeen() is { } held && held >= seenAt)
            {
                return new ReplicatorMark(held, CreatedAt());
            }
            var temp = MarkPath + ".new";
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.Write(System.Text.Encoding.ASCII.GetBytes(seenAt.UtcTicks.ToString(CultureInfo.InvariantCulture) + "\n"));
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, MarkPath, overwrite: true);
            FsyncCommitter.FlushDirectory(store.Root);
            return new ReplicatorMark(seenAt.ToUniversalTime(), CreatedAt());
        }
    }

    /// <summary>The mark, or null when there is none; a damaged one counts as none, which the replicator treats with suspicion.</summary>
    private DateTimeOffset? ReadSeen()
    {
        string text;
        try
        {
            text = File.ReadAllText(MarkPath);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        return long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? new DateTimeOffset(ticks, TimeSpan.Zero)
            : null;
    }

    private DateTimeOffset? CreatedAt()
    {
        var identity = Path.Combine(store.Root, StoreIdentity.FileName);
        return File.Exists(identity) ? new DateTimeOffset(File.GetLastWriteTimeUtc(identity), TimeSpan.Zero) : null;
    }
}
