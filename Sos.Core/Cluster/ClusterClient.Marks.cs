using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Placement;

namespace Sos.Core.Cluster;

/// <summary>
/// The replicator's "last seen" marks (<c>/replicator/seen</c>, its token only): each pass marks
/// the servers it brought every delete to, so that a server away longer than the tombstone grace
/// is told apart from the others before its copies are trusted.
/// </summary>
public sealed partial class ClusterClient
{
    /// <summary>The server's mark; answered without one when the server keeps none (404, as an original sos blob server).</summary>
    public async Task<SeenMark> ReadSeenMarkAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var (answered, mark) = await AttemptAsync(server, "read-mark", null, async () =>
        {
            using var response = await http.GetAsync(MarkUri(server), cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                return null;
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            return await response.Content.ReadFromJsonAsync<ReplicatorMark>(cancellationToken)
                ?? throw new BlobServerException(server, response.StatusCode, "an empty mark");
        }, cancellationToken);
        return new SeenMark(answered, mark);
    }

    /// <summary>Marks the server seen at <paramref name="seenAt"/> (the server keeps the later of its mark and this). False when it could not.</summary>
    public async Task<bool> WriteSeenMarkAsync(BlobServer server, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        var (answered, _) = await AttemptAsync(server, "write-mark", null, async () =>
        {
            using var response = await http.PutAsJsonAsync(MarkUri(server), new ReplicatorMark(seenAt), cancellationToken);
            await EnsureSuccessAsync(server, response, cancellationToken);
            return true;
        }, cancellationToken);
        return answered;
    }

    private static Uri MarkUri(BlobServer server) => new(server.BaseAddress, "replicator/seen");
}
