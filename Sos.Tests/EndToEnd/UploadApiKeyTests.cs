using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

/// <summary>With <c>upload-api-key</c> set, uploads need the key; downloads stay public.</summary>
[Collection(SecuredAppDefinition.Name)]
public sealed class UploadApiKeyTests(SecuredAppFixture secured)
{
    private SosAppFixture Sos => secured.Sos;

    [Fact]
    public async Task AnUploadWithoutTheKeyIsRefusedAndNothingIsStored()
    {
        var bytes = SosAppFixture.RandomBytes(5000);

        using var response = await Sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Api-Key", await response.Content.ReadAsStringAsync());
        Assert.Empty(Sos.ServersHolding(SosAppFixture.Sha1Hex(bytes)));
        using var fetched = await Sos.Download.GetAsync($"/fetch/{SosAppFixture.Sha1Hex(bytes)}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Theory]
    [InlineData("Authorization", "Bearer wrong-key")]
    [InlineData("Authorization", "Bearer " + SecuredAppFixture.ApiKey + "x")]
    [InlineData("Authorization", "Basic " + SecuredAppFixture.ApiKey)]
    [InlineData("X-Api-Key", "")]
    [InlineData("X-Api-Key", "test-upload-key")]
    public async Task AnUploadWithAWrongKeyIsRefusedAndNothingIsStored(string header, string value)
    {
        var bytes = SosAppFixture.RandomBytes(700);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await Sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(Sos.ServersHolding(SosAppFixture.Sha1Hex(bytes)));
    }

    [Fact]
    public async Task TheKeyWorksAsABearerTokenOrAsXApiKeyAndAnyoneCanFetch()
    {
        var first = SosAppFixture.RandomBytes(1500);
        var second = SosAppFixture.RandomBytes(2500);
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(first) };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SecuredAppFixture.ApiKey);
        using var apiKey = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(second) };
        apiKey.Headers.Add("X-Api-Key", SecuredAppFixture.ApiKey);

        using var bearerResponse = await Sos.Upload.SendAsync(bearer);
        using var apiKeyResponse = await Sos.Upload.SendAsync(apiKey);

        Assert.Equal(HttpStatusCode.OK, bearerResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiKeyResponse.StatusCode);
        var stored = await apiKeyResponse.Content.ReadFromJsonAsync<StoredObject>();
        Assert.Equal(SosAppFixture.Sha1Hex(second), stored!.Id);
        // The key is the upload API's alone: it is neither stored as metadata nor needed to fetch.
        using var fetched = await Sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.False(fetched.Headers.Contains("X-Api-Key"));
        Assert.Equal(second, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal(first, await Sos.Download.GetByteArrayAsync($"/fetch/{SosAppFixture.Sha1Hex(first)}"));
    }
}
