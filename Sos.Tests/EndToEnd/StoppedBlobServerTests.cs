using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class StoppedBlobServerTests(SosAppFixture sos)
{
    [Fact]
    public async Task APassWithOneBlobServerDownCompletesReportsItAndExitsOne()
    {
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await sos.Upload.PostAsync("/upload", new ByteArrayContent(SosAppFixture.RandomBytes(1500 + i)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<StoredObject>())!.Id);
        }
        var before = ids.ToDictionary(id => id, sos.ServersHolding);

        // blob2 as the replicator sees a crashed server: its address refuses connections.
        var (exitCode, output) = await sos.RunReplicatorAsync(down: 2);

        Assert.True(exitCode == 1, output);
        Assert.True(output.Contains("Could not list blob2", StringComparison.Ordinal), output);
        Assert.Contains("Pass done", output, StringComparison.Ordinal);
        Assert.Contains("1 of 3 blob servers could not be listed", output, StringComparison.Ordinal);
        // The pass went on past the dead server: every object is still whole, and nothing was removed.
        foreach (var id in ids)
        {
            Assert.Superset(before[id].ToHashSet(), sos.ServersHolding(id).ToHashSet());
            Assert.True(sos.ServersHolding(id).Length >= 2, $"{id} has fewer than 2 copies");
        }
    }
}
