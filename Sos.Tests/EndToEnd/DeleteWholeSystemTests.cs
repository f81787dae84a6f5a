using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

/// <summary>A delete that a stopped blob server missed, on the outage app.</summary>
[Collection(OutageAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class DeleteWholeSystemTests(OutageAppFixture app)
{
    private readonly SosAppFixture _sos = app.Sos;

    [Fact]
    public async Task ADeleteMadeWhileAHolderWasStoppedStaysAfterItReturnsAndOnePassTakesItsCopyOffItsDisk()
    {
        // Larger than the download cache's objects: every fetch asks the blob servers.
        var bytes = SosAppFixture.RandomBytes(100_000);
        string id;
        using (var uploaded = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.OK, uploaded.StatusCode);
            id = (await uploaded.Content.ReadFromJsonAsync<StoredObject>())!.Id;
        }
        var away = _sos.ServersHolding(id)[0];
        await _sos.StopBlobServerAsync(away);
        try
        {
            using var deleted = await _sos.Upload.DeleteAsync($"/upload/{id}");
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        finally
        {
            await _sos.StartBlobServerAsync(away);
        }
        // Back with its copy, which the delete never reached.
        Assert.True(File.Exists(_sos.CopyPath(away, id)));

        var (exitCode, output) = await _sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        Assert.Empty(_sos.ServersHolding(id));
        using var fetched = await _sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        for (var server = 0; server < SosAppFixture.BlobServerCount; server++)
        {
            using var head = await _sos.BlobServer(server).SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
            Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        }

        // A second pass finds nothing to restore either.
        var (again, againOutput) = await _sos.RunReplicatorAsync();
        Assert.True(again == 0, againOutput);
        Assert.Empty(_sos.ServersHolding(id));
    }
}
