using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.InProcess;

/// <summary>With <c>upload-api-key</c> set, uploads need the key; downloads stay public.</summary>
public sealed class UploadApiKeyTests(InProcessSosWithApiKey sos) : IClassFixture<InProcessSosWithApiKey>
{
    [Fact]
    public async Task AnUploadWithoutTheKeyIsRefusedAndNothingIsStored()
    {
        var bytes = TestBytes.Fresh(5000);

        using var response = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("X-Api-Key", await response.Content.ReadAsStringAsync());
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
        using var fetched = await sos.Download.GetAsync($"/fetch/{TestBytes.HexId(bytes)}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Theory]
    [InlineData("Authorization", "Bearer wrong-key")]
    [InlineData("Authorization", "Bearer " + InProcessSosWithApiKey.ApiKey + "x")]
    [InlineData("Authorization", "Basic " + InProcessSosWithApiKey.ApiKey)]
    [InlineData("X-Api-Key", "")]
    [InlineData("X-Api-Key", "test-upload-key")]
    public async Task AnUploadWithAWrongKeyIsRefusedAndNothingIsStored(string header, string value)
    {
        var bytes = TestBytes.Fresh(700);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation(header, value);

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
    }

    [Fact]
    public async Task TheKeyWorksAsABearerTokenOrAsXApiKeyAndAnyoneCanFetch()
    {
        var first = TestBytes.Fresh(1500);
        var second = TestBytes.Fresh(2500);
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(first) };
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", InProcessSosWithApiKey.ApiKey);
        using var apiKey = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(second) };
        apiKey.Headers.Add("X-Api-Key", InProcessSosWithApiKey.ApiKey);

        using var bearerResponse = await sos.Upload.SendAsync(bearer);
        using var apiKeyResponse = await sos.Upload.SendAsync(apiKey);

        Assert.Equal(HttpStatusCode.OK, bearerResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, apiKeyResponse.StatusCode);
        var stored = await apiKeyResponse.Content.ReadFromJsonAsync<StoredObject>();
        Assert.Equal(TestBytes.HexId(second), stored!.Id);
        // The key is the upload API's alone: it is neither stored as metadata nor needed to fetch.
        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.False(fetched.Headers.Contains("X-Api-Key"));
        Assert.Equal(second, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal(first, await sos.Download.GetByteArrayAsync($"/fetch/{TestBytes.HexId(first)}"));
    }
}
