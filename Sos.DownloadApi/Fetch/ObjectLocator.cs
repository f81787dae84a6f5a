using System.Diagnostics;
using Sos.Core.BlobServers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>Where the search for an object ended: a copy, or how many servers said no or failed.</summary>
public sealed record LocateResult(BlobResponse? Copy, int Missing, int Unreachable);

/// <summary>
/// The read path: ask the object's preferred blob servers first (so the common case is one
/// request to one server) and fall back to the rest, skipping servers that fail.
/// </summary>
public sealed partial class ObjectLocator(BlobCluster cluster, BlobServerClient client, ILogger<ObjectLocator> logger)
{
    public async Task<LocateResult> LocateAsync(ObjectId id, bool headersOnly, CancellationToken cancellationToken)
    {
        int missing = 0, unreachable = 0;
        foreach (var server in cluster.Rank(id))
        {
            try
            {
                var copy = await client.OpenAsync(server, id, headersOnly, cancellationToken);
                if (copy is not null)
                {
                    Activity.Current?.SetTag("sos.fetch.server", server.Name);
                    return new LocateResult(copy, missing, unreachable);
                }
                missing++;
            }
            catch (Exception ex) when (ex is HttpRequestException or BlobServerException)
            {
                unreachable++;
                LogServerFailed(logger, id, server.Name, ex.Message);
            }
        }
        return new LocateResult(null, missing, unreachable);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {ObjectId} from {Server} failed, trying the next server: {Reason}")]
    private static partial void LogServerFailed(ILogger logger, ObjectId objectId, string server, string reason);
}
