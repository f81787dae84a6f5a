using System.Collections.Concurrent;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// This process's writers to the inboxes of the blob servers whose volumes it can reach (see
/// <see cref="BlobClusterOptions.Volumes"/>), one per server, and the copies it wrote there lately.
/// One per process: every upload's small copies share their server's segment and flushes.
/// </summary>
/// <remarks>
/// A copy is remembered for <see cref="RememberFor"/> after its write, so that this process finds
/// it before its server has adopted it into the log this process follows. A server that holds its
/// inbox open adopts it within its next pass (every 50 ms), twenty of which fit in that second; a
/// server that stopped meanwhile is asked over HTTP, and finds the copy once it has started and
/// adopted it. Remembered longer, the copies of a busy second or ten took tens of megabytes.
/// </remarks>
public sealed class VolumeInboxes : IDisposable
{
    private static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, InboxWriter> _writers;
    private readonly ConcurrentDictionary<(string Server, ObjectId Id), (ObjectInfo Info, long Written)> _recent = new();
    private readonly TimeProvider _time;
    private long _lastPruned;

    public VolumeInboxes(BlobCluster cluster, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _lastPruned = _time.GetTimestamp();
        _writers = cluster.Servers
            .Where(server => server.Volume is not null)
            .ToDictionary(server => server.Name, server => new InboxWriter(server.Volume!, time: _time), StringComparer.Ordinal);
    }

    /// <summary>The writer to <paramref name="server"/>'s inbox while it is open (see <see cref="InboxWriter.IsOpen"/>), else null.</summary>
    public InboxWriter? Open(Placement.BlobServer server) =>
        _writers.TryGetValue(server.Name, out var writer) && writer.IsOpen ? writer : null;

    /// <summary>Appends the copies to the server's inbox (see <see cref="InboxWriter.Append"/>) and remembers them.</summary>
    public void Append(InboxWriter writer, Placement.BlobServer server, IReadOnlyList<InboxCopy> copies)
    {
        writer.Append(copies);
        var now = _time.GetTimestamp();
        foreach (var copy in copies)
        {
            var info = new ObjectInfo(copy.Bytes.Length, copy.Stamp.Time, copy.Metadata, copy.Stamp);
            _recent[(server.Name, copy.Id)] = (info, now);
        }
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastPruned), now) >= RememberFor)
        {
            Interlocked.Exchange(ref _lastPruned, now);
            foreach (var (key, (_, written)) in _recent)
            {
                if (_time.GetElapsedTime(written, now) >= RememberFor)
                {
                    _recent.TryRemove(key, out _);
                }
            }
        }
    }

    /// <summary>A copy this process wrote to the server's inbox lately, as a presence answer would describe it.</summary>
    public ObjectInfo? Recent(Placement.BlobServer server, ObjectId id) =>
        _recent.TryGetValue((server.Name, id), out var recent) && _time.GetElapsedTime(recent.Written) < RememberFor ? recent.Info : null;

    public void Dispose()
    {
        foreach (var writer in _writers.Values)
        {
            writer.Dispose();
        }
    }
}
