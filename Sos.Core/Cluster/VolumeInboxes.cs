using System.Collections.Concurrent;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// This process's writers to the inboxes of the blob servers whose volumes it can reach (see
/// <see cref="BlobClusterOptions.Volumes"/>), one per server, and the copies it wrote there lately.
/// One per process: every upload's small copies share their server's segment and flushes. The
/// writers whose volumes share a file system share its flush (see <see cref="FileSystemFlush"/>)
/// where the kernel allows: a batch for all servers is written, then flushed once.
/// </summary>
/// <remarks>
/// A copy is remembered for <see cref="RememberFor"/> after its write, so that this process finds
/// it before its server has adopted it into the log this process follows. A server that holds its
/// inbox open adopts it within its next pass (every 200 ms), five of which fit in that second; a
/// server that stopped meanwhile is asked over HTTP, and finds the copy once it has started and
/// adopted it. Remembered longer, the copies of a busy second or ten took tens of megabytes.
/// </remarks>
public sealed class VolumeInboxes : IDisposable
{
    private static readonly TimeSpan RememberFor = TimeSpan.FromSeconds(1);

    /// <summary>The most copies one append to the inboxes carries, for all of them together.</summary>
    private const int MaxBatch = 256;

    /// <summary>
    /// How long each batch waits for company before it is written. In upload runs at 16 at once,
    /// 1 ms cost the upload API about a fifth less CPU per upload than writing each batch at once
    /// (fewer, larger batches: fewer flushes and wake-ups); 0.5 and 2 ms measured no better.
    /// </summary>
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(1);

    private readonly Dictionary<string, InboxWriter> _writers;
    private readonly Dictionary<(uint Major, uint Minor), FileSystemFlush> _fileSystems = [];
    private readonly ConcurrentDictionary<(string Server, ObjectId Id), (ObjectInfo Info, long Written)> _recent = new();
    private readonly TimeProvider _time;
    private readonly BatchThread<InboxAppend, string?> _appends;
    private long _lastPruned;

    public VolumeInboxes(BlobCluster cluster, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _lastPruned = _time.GetTimestamp();
        _writers = cluster.Servers
            .Where(server => server.Volume is not null)
            .ToDictionary(server => server.Name, server => new InboxWriter(server.Volume!, time: _time, fileSystemOf: SharedFlush), StringComparer.Ordinal);
        _appends = new("sos-inbox-append", MaxBatch, Linger, Append);
    }

    /// <summary>
    /// The flush shared by the inboxes on <paramref name="inbox"/>'s file system; null where each
    /// segment must be flushed on its own. Told by the inbox itself, which the server makes when it
    /// starts: a volume not made yet may become a mount of a disk of its own.
    /// </summary>
    private FileSystemFlush? SharedFlush(string inbox)
    {
        if (!FileSystemFlush.IsReliableHere() || FileIdentity.Of(inbox) is not { } identity)
        {
            return null;
        }
        lock (_fileSystems)
        {
            if (!_fileSystems.TryGetValue((identity.DeviceMajor, identity.DeviceMinor), out var flush))
            {
                flush = new FileSystemFlush(inbox);
                _fileSystems[(identity.DeviceMajor, identity.DeviceMinor)] = flush;
            }
            return flush;
        }
    }

    /// <summary>Whether copies may go to <paramref name="server"/>'s inbox (see <see cref="InboxWriter.IsOpen"/>).</summary>
    public bool IsOpen(Placement.BlobServer server) =>
        _writers.TryGetValue(server.Name, out var writer) && writer.IsOpen;

    /// <summary>
    /// Appends a copy to its server's inbox, with every other copy asked for meanwhile (for any
    /// server): answered null once it is durable, or with why its inbox did not take it.
    /// </summary>
    internal Task<string?> AppendAsync(InboxAppend append, CancellationToken cancellationToken) =>
        _appends.AskAsync(append, cancellationToken);

    /// <summary>
    /// Appends a batch of copies to their servers' inboxes (each inbox's in one write, see
    /// <see cref="InboxWriter.Write"/>), then flushes them (a file system shared by several, once),
    /// and remembers the copies made durable. Answers null for each of those, or why its inbox did
    /// not take it.
    /// </summary>
    internal IReadOnlyList<string?> Append(IReadOnlyList<InboxAppend> appends)
    {
        var answers = new string?[appends.Count];
        var written = new List<IGrouping<string, int>>();
        foreach (var inbox in Enumerable.Range(0, appends.Count).GroupBy(i => appends[i].Server.Name))
        {
            if (Attempt(inbox, answers, writer => writer.Write([.. inbox.Select(i => appends[i].Copy)])))
            {
                written.Add(inbox);
            }
        }
        // Every inbox written before any is flushed: where they share a file system, the first flush covers them all.
        var now = _time.GetTimestamp();
        foreach (var inbox in written)
        {
            if (!Attempt(inbox, answers, writer => writer.Flush()))
            {
                continue;
            }
            foreach (var copy in inbox.Select(i => appends[i].Copy))
            {
                var info = new ObjectInfo(copy.Bytes.Length, copy.Stamp.Time, copy.Metadata, copy.Stamp);
                _recent[(inbox.Key, copy.Id)] = (info, now);
            }
        }
        if (_time.GetElapsedTime(Interlocked.Read(ref _lastPruned), now) >= RememberFor)
        {
            Interlocked.Exchange(ref _lastPruned, now);
            foreach (var (key, (_, at)) in _recent)
            {
                if (_time.GetElapsedTime(at, now) >= RememberFor)
                {
                    _recent.TryRemove(key, out _);
                }
            }
        }
        return answers;
    }

    /// <summary>Does <paramref name="step"/> with the inbox's writer; false, with why in each of its copies' answers, when it fails.</summary>
    private bool Attempt(IGrouping<string, int> inbox, string?[] answers, Action<InboxWriter> step)
    {
        try
        {
            step(_writers[inbox.Key]);
            return true;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            foreach (var i in inbox)
            {
                answers[i] = ex.Message;
            }
            return false;
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
        lock (_fileSystems)
        {
            foreach (var flush in _fileSystems.Values)
            {
                flush.Dispose();
            }
        }
    }
}
