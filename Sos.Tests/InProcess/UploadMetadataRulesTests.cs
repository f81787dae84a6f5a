using System.Net;
using System.Text;
using System.Text.Json;

namespace Sos.Tests.InProcess;

/// <summary>
/// The upload API stores only metadata every download can safely send back: a name a proxy or
/// browser acts on, or a value outside visible ASCII, is refused with 400 before the body is read.
/// </summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class UploadMetadataRulesTests(InProcessSos sos)
{
    [Theory]
    [InlineData("X-Accel-Redirect", "/internal/secret")]
    [InlineData("X-Sendfile", "/etc/shadow")]
    [InlineData("X-Frame-Options", "ALLOWALL")]
    [InlineData("X-Content-Type-Options", "none")]
    [InlineData("X-XSS-Protection", "0")]
    [InlineData("X-Forwarded-For", "10.0.0.1")]
    [InlineData("X-Forwarded-Host", "evil.example")]
    [InlineData("X-Sos-Copies", "1")]
    public async Task AHeaderThatProxiesOrBrowsersActOnIsRefusedBeforeTheBodyIsSent(string name, string value)
    {
        var bytes = TestBytes.Fresh(100_000);
        var body = new WatchedContent(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = body };
        request.Headers.ExpectContinue = true;
        request.Headers.TryAddWithoutValidation(name, value);

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(name, Detail(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.False(body.WasSent, "the body was sent although the metadata was refused");
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
    }

    [Theory]
    [InlineData("caf\u00e9.txt")]
    [InlineData("\u0001")]
    [InlineData("bell\u0007")]
    [InlineData("del\u007f")]
    public async Task AValueOutsideVisibleAsciiIsRefusedWith400NotAServerError(string value)
    {
        var bytes = TestBytes.Fresh(2000);
        // HttpClient sends only ASCII by default; this one sends UTF-8, as curl does with a non-ASCII file name.
        using var client = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 })
        {
            BaseAddress = sos.UploadAddress,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation("X-Orig-Filename", value);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = Detail(await response.Content.ReadAsStringAsync());
        Assert.Contains("X-Orig-Filename", detail, StringComparison.Ordinal);
        Assert.Contains("visible ASCII", detail, StringComparison.Ordinal);
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
    }

    [Fact]
    public async Task RequestOnlyHeadersAreAcceptedAndNeverServedBack()
    {
        var bytes = TestBytes.Fresh(700);
        var stored = await sos.UploadAsync(bytes,
            ("X-Sos-Sha1", TestBytes.HexId(bytes)), ("X-Real-Ip", "10.1.2.3"), ("X-Orig-Filename", "kept.bin"), ("X-Tabs", "a\tb c"));

        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.False(fetched.Headers.Contains("X-Sos-Sha1"));
        Assert.False(fetched.Headers.Contains("X-Real-Ip"));
        Assert.Equal("kept.bin", Assert.Single(fetched.Headers.GetValues("X-Orig-Filename")));
        Assert.Equal("a\tb c", Assert.Single(fetched.Headers.GetValues("X-Tabs")));
    }

    private static string Detail(string problem)
    {
        using var json = JsonDocument.Parse(problem);
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }
}
