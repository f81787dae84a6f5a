using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// The small-object logs of the blob servers whose volumes this process can read (see
/// <see cref="BlobClusterOptions.Volumes"/>), each followed from the moment this is made (see
/// <see cref="LogFollower"/>): one per process, shared by every read.
/// </summary>
public sealed partial class VolumeLogs : IDisposable
{
    private readonly Dictionary<string, LogFollower> _followers;

    public VolumeLogs(BlobCluster cluster, ILogger<VolumeLogs> logger)
    {
        _followers = cluster.Servers
            .Where(server => server.Volume is not null)
            .ToDictionary(server => server.Name, server => new LogFollower(Path.Combine(server.Volume!, StoreLayout.LogFolder)), StringComparer.Ordinal);
        foreach (var (name, follower) in _followers)
        {
            // A log that cannot be read is not followed: its small copies are read through the server.
            follower.Ready.ContinueWith(read => LogNotFollowed(logger, name, read.Exception!.GetBaseException()),
                CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>The follower of <paramref name="server"/>'s log, or null when its volume is not readable here.</summary>
    public LogFollower? Of(Placement.BlobServer server) => _followers.GetValueOrDefault(server.Name);

    public void Dispose()
    {
        foreach (var follower in _followers.Values)
        {
            follower.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the small-object log of blob server {Server} from its directory; its small copies are read through the server")]
    private static partial void LogNotFollowed(ILogger logger, string server, Exception exception);
}
