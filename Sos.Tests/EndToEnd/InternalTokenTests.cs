using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

/// <summary>Blob servers are internal: under the AppHost they answer only requests with the cluster's token.</summary>
[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class InternalTokenTests(SosAppFixture sos)
{
    [Fact]
    public async Task ABlobServerRefusesAWriteWithoutTheInternalTokenAndStoresNothing()
    {
        var bytes = SosAppFixture.RandomBytes(4096);
        var id = SosAppFixture.Sha1Hex(bytes);

        using var response = await sos.BlobServerWithoutToken(2).PostAsync($"/blob/{id}", new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Empty(sos.ServersHolding(id));
    }

    [Fact]
    public async Task ABlobServerRefusesAWrongTokenForReadsListsAndWrites()
    {
        var stored = await UploadAsync(SosAppFixture.RandomBytes(512));
        var holder = sos.ServersHolding(stored.Id)[0];
        var impostor = sos.BlobServerWithoutToken(holder);
        impostor.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sos.InternalToken + "x");
        var other = SosAppFixture.RandomBytes(64);

        using var read = await impostor.GetAsync($"/blob/{stored.Id}");
        using var head = await impostor.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{stored.Id}"));
        using var list = await impostor.GetAsync("/blobs");
        using var write = await impostor.PutAsync($"/blob/{SosAppFixture.Sha1Hex(other)}", new ByteArrayContent(other));
        using var anonymousRead = await sos.BlobServerWithoutToken(holder).GetAsync($"/blob/{stored.Id}");

        Assert.Equal(HttpStatusCode.Unauthorized, read.StatusCode);
        Assert.DoesNotContain(stored.Id, await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, head.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, write.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousRead.StatusCode);
        Assert.Empty(sos.ServersHolding(SosAppFixture.Sha1Hex(other)));
    }

    [Fact]
    public async Task HealthAndLivenessStayOpenForProbesWithoutTheToken()
    {
        var client = sos.BlobServerWithoutToken(0);

        using var health = await client.GetAsync("/health");
        using var alive = await client.GetAsync("/alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal("alive", await alive.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TheServicesPresentTheTokenSoUploadAndFetchWork()
    {
        var bytes = SosAppFixture.RandomBytes(3000);

        var stored = await UploadAsync(bytes);
        var holder = sos.ServersHolding(stored.Id)[0];
        using var direct = await sos.BlobServer(holder).GetAsync($"/blob/{stored.Id}");

        Assert.Equal(bytes, await sos.Download.GetByteArrayAsync($"/fetch/{stored.Id}"));
        Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        Assert.Equal(bytes, await direct.Content.ReadAsByteArrayAsync());
    }

    private async Task<StoredObject> UploadAsync(byte[] bytes)
    {
        using var response = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!;
    }
}
