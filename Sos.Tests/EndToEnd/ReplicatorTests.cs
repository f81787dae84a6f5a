using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

[Collection(SosAppDefinition.Name)]
public sealed class ReplicatorTests(SosAppFixture sos)
{
    [Fact]
    public async Task OnePassRestoresACopyDeletedFromDiskWithItsMetadata()
    {
        var bytes = SosAppFixture.RandomBytes(3000);
        var id = await UploadAsync(bytes);
        var lost = sos.ServersHolding(id)[0];
        DeleteCopy(lost, id);
        Assert.Single(sos.ServersHolding(id));

        var (exitCode, output) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        var holders = sos.ServersHolding(id);
        Assert.Equal(2, holders.Length);
        foreach (var server in holders)
        {
            Assert.Equal(bytes, await File.ReadAllBytesAsync(sos.CopyPath(server, id)));
            using var copy = await sos.BlobServer(server).GetAsync($"/blob/{id}");
            Assert.Equal("restored.txt", Assert.Single(copy.Headers.GetValues("X-Orig-Filename")));
        }
    }

    [Fact]
    public async Task ADryRunReportsTheMissingCopyAndChangesNothing()
    {
        var id = await UploadAsync(SosAppFixture.RandomBytes(2000));
        DeleteCopy(sos.ServersHolding(id)[0], id);
        var before = sos.ServersHolding(id);

        var (exitCode, output) = await sos.RunReplicatorAsync("--dry-run");

        Assert.True(exitCode == 1, output);
        Assert.Equal(before, sos.ServersHolding(id));

        // Leave the store whole for the other tests.
        var (repairExit, repairOutput) = await sos.RunReplicatorAsync();
        Assert.True(repairExit == 0, repairOutput);
        Assert.Equal(2, sos.ServersHolding(id).Length);
    }

    [Fact]
    public async Task AnUnknownOptionIsAUsageError()
    {
        var (exitCode, output) = await sos.RunReplicatorAsync("--no-such-option");

        Assert.True(exitCode == 2, output);
    }

    private void DeleteCopy(int server, string id)
    {
        File.Delete(sos.CopyPath(server, id));
        File.Delete(sos.CopyPath(server, id) + ".meta");
    }

    private async Task<string> UploadAsync(byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Orig-Filename", "restored.txt");
        using var response = await sos.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }
}
