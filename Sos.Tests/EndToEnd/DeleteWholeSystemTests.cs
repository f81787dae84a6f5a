using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class DeleteWholeSystemTests(SosAppFixture sos)
{
    [Fact]
    public async Task ADeleteMadeWhileAHolderWasStoppedStaysAfterItReturnsAndOnePassTakesItsCopyOffItsDisk()
    {
        // Larger than the download cache's objects: every fetch asks the blob servers.
        var bytes = SosAppFixture.RandomBytes(100_000);
        string id;
        using (var uploaded = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            id = (await uploaded.Content.ReadFromJsonAsync<StoredObject>())!.Id;
        }
        var away = sos.ServersHolding(id)[0];
        await sos.StopBlobServerAsync(away);
        try
        {
            using var deleted = await sos.Upload.DeleteAsync($"/upload/{id}");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        finally
        {
            await sos.StartBlobServerAsync(away);
        }
        // Back with its copy, which the delete never reached.
        Assert.True(File.Exists(sos.CopyPath(away, id)));

        var (exitCode, output) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        Assert.Empty(sos.ServersHolding(id));
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        for (var server = 0; server < SosAppFixture.BlobServerCount; server++)
        {
            using var head = await sos.BlobServer(server).SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        // A second pass finds nothing to restore either.
        var (again, againOutput) = await sos.RunReplicatorAsync();
        Assert.True(again == 0, againOutput);
        Assert.Empty(sos.ServersHolding(id));
    }
}
