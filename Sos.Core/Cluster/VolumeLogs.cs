using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// The small-object logs of the blob servers whose volumes this process can read (see
/// <see cref="BlobClusterOptions.Volumes"/>), each followed from the moment this is made (see
/// <see cref="LogFollower"/>), and their tombstone folders: one per process, shared by every read.
/// Both folders of each volume are watched (see <see cref="FolderWatcher"/>), so that after one
/// <see cref="Refresh"/> a request learns from every server's volume whether it has a tombstone of
/// an id, and whether its log changed, without a path walk or read per server.
/// </summary>
public sealed partial class VolumeLogs : IDisposable
{
    private readonly FolderWatcher _watcher = new();
    private readonly Dictionary<string, LogFollower> _followers;
    private readonly Dictionary<string, FolderWatch> _tombstones;

    public VolumeLogs(BlobCluster cluster, ILogger<VolumeLogs> logger)
    {
        var volumes = cluster.Servers.Where(server => server.Volume is not null).ToList();
        _tombstones = volumes.ToDictionary(server => server.Name, server => _watcher.Watch(Path.Combine(server.Volume!, StoreLayout.TombstoneFolder)), StringComparer.Ordinal);
        _followers = volumes.ToDictionary(server => server.Name, server =>
        {
            var log = Path.Combine(server.Volume!, StoreLayout.LogFolder);
            return new LogFollower(log, _watcher.Watch(log));
        }, StringComparer.Ordinal);
        foreach (var (name, follower) in _followers)
        {
            // A log that cannot be read is not followed: its small copies are read through the server.
            follower.Ready.ContinueWith(read => LogNotFollowed(logger, name, read.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>Applies what changed in the watched folders since the last call; the answers after it are as of now or later.</summary>
    public void Refresh() => _watcher.Drain();

    /// <summary>
    /// Whether <paramref name="server"/> recorded a delete of <paramref name="id"/> (its volume holds
    /// its tombstone), as of the last <see cref="Refresh"/>: asked of the file system where its
    /// tombstone folder is not watched.
    /// </summary>
    public bool HasTombstone(Placement.BlobServer server, string volume, ObjectId id) =>
        (_tombstones.TryGetValue(server.Name, out var watch) ? watch.Holds(id.ToString()) : null)
        ?? File.Exists(StoreLayout.TombstonePath(volume, id));

    /// <summary>The follower of <paramref name="server"/>'s log, or null when its volume is not readable here.</summary>
    public LogFollower? Of(Placement.BlobServer server) => _followers.GetValueOrDefault(server.Name);

    public void Dispose()
    {
        foreach (var follower in _followers.Values)
        {
            follower.Dispose();
        }
        _watcher.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the small-object log of blob server {Server} from its directory; its small copies are read through the server")]
    private static partial void LogNotFollowed(ILogger logger, string server, Exception exception);
}
