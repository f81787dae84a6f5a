using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.InProcess;

/// <summary>An upload that announces its SHA-1 can skip sending bytes the store already has, and is checked against it.</summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class DuplicateUploadTests(InProcessSos sos)
{
    [Fact]
    public async Task ADuplicateUploadWithIfNoneMatchStarIsAnswered412BeforeItsBodyIsSent()
    {
        var bytes = TestBytes.Fresh(2 * 1024 * 1024);
        var id = TestBytes.HexId(bytes);
        using (var first = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }
        var body = new WatchedContent(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = body };
        request.Headers.IfNoneMatch.ParseAdd("*");
        request.Headers.ExpectContinue = true;
        request.Headers.Add("X-Sos-Sha1", id);

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.PreconditionFailed, response.StatusCode);
        Assert.False(body.WasSent, "the body was sent although the object was already stored");
        Assert.Equal($"\"{id}\"", response.Headers.ETag?.Tag);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(id, problem.RootElement.GetProperty("id").GetString());
        Assert.Equal(bytes.Length, problem.RootElement.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task AnUploadWithIfNoneMatchStarOfANewObjectIsStoredAndItsDigestHeaderIsNotKept()
    {
        var bytes = TestBytes.Fresh(10_000);
        var id = TestBytes.HexId(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.IfNoneMatch.ParseAdd("*");
        request.Headers.Add("Content-Digest", $"sha=:{Convert.ToBase64String(TestBytes.Sha1(bytes))}:, sha-256=:AAAA:");

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id);
        Assert.Equal(2, sos.ServersHolding(id).Length);
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ALargeUploadWithItsDigestAnnouncedIsCopiedWhileItArrivesAndStoredIntact()
    {
        // Above the in-memory size: the copies stream to their servers while the body arrives.
        var bytes = TestBytes.Fresh(3 * 1024 * 1024 + 17);
        var id = TestBytes.HexId(bytes);

        var stored = await sos.UploadAsync(bytes, ("X-Sos-Sha1", id), ("X-Orig-Filename", "streamed.bin"));

        Assert.Equal(id, stored.Id);
        Assert.Equal(bytes.Length, stored.Size);
        var holders = sos.ServersHolding(id);
        Assert.Equal(2, holders.Length);
        foreach (var server in holders)
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, id));
        }
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal("streamed.bin", fetched.Headers.GetValues("X-Orig-Filename").Single());
    }

    [Theory]
    [InlineData("X-Sos-Sha1", 4096)]
    [InlineData("Content-Digest", 4096)]
    [InlineData("X-Sos-Sha1", 3 * 1024 * 1024)]
    [InlineData("Content-Digest", 3 * 1024 * 1024)]
    public async Task AnUploadWhoseBytesDoNotMatchTheAnnouncedDigestIsRefusedAndNothingIsStored(string header, int size)
    {
        var bytes = TestBytes.Fresh(size);
        var other = TestBytes.Sha1(TestBytes.Fresh(10));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add(header, header == "X-Sos-Sha1" ? Convert.ToHexStringLower(other) : $"sha=:{Convert.ToBase64String(other)}:");

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(TestBytes.HexId(bytes), await response.Content.ReadAsStringAsync());
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
        Assert.Empty(sos.ServersHolding(Convert.ToHexStringLower(other)));
        Assert.Empty(sos.StagedFiles());
    }
}
