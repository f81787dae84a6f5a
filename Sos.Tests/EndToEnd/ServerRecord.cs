using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Time;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// What one blob server holds of one id, as its own API answers: the timestamp of its copy
/// (<c>HEAD /blob</c>) and of its tombstone (<c>GET /tombstone</c>), each null when it has none.
/// </summary>
public sealed record ServerRecord(long? CopyStamp, long? TombstoneStamp)
{
    public static async Task<ServerRecord> ReadAsync(SosAppFixture sos, int server, string id)
    {
        var client = sos.BlobServer(server);
        long? copy = null, tombstone = null;
        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}")))
        {
            if (head.StatusCode == HttpStatusCode.OK)
            {
                Assert.True(HybridTimestamp.TryParse(head.Headers.GetValues(HybridTimestamp.Header).Single(), out var stamp));
                copy = stamp!.Value.Ticks;
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
            }
        }
        using (var read = await client.GetAsync($"/tombstone/{id}"))
        {
            if (read.StatusCode == HttpStatusCode.OK)
            {
                tombstone = (await read.Content.ReadFromJsonAsync<TombstoneRecord>())!.Timestamp;
            }
            else
            {
                Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
            }
        }
        return new ServerRecord(copy, tombstone);
    }
}
