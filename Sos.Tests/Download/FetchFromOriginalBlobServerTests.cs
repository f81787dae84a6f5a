using System.Net;
using System.Net.Http.Headers;
using Sos.Tests.Cluster;
using Sos.Tests.Fakes;

namespace Sos.Tests.Download;

/// <summary>The download API, in process, over a blob server that answers as the original sos one does.</summary>
public sealed class FetchFromOriginalBlobServerTests : IAsyncLifetime, IDisposable
{
    private OriginalBlobServer _blob = null!;
    private InProcessApp _download = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _blob = await OriginalBlobServer.StartAsync();
        _download = await DownloadApiHost.StartAsync([_blob.Address]);
        _http = new HttpClient { BaseAddress = _download.Address };
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _download.DisposeAsync();
        await _blob.DisposeAsync();
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(300_000)]
    public async Task AWholeObjectSentChunkedIsFetched(int length)
    {
        var bytes = TestBytes.Random(length, 10);
        _blob.Hold(bytes, ("X-Mime-Type", "image/png"));

        using var response = await _http.GetAsync($"fetch/{TestBytes.IdOf(bytes)}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ARangeIsServedAlthoughTheOriginalAnswersWhole()
    {
        var bytes = TestBytes.Random(300_000, 11);
        _blob.Hold(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"fetch/{TestBytes.IdOf(bytes)}");
        request.Headers.Range = new RangeHeaderValue(100, 199);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal("bytes 100-199/300000", response.Content.Headers.ContentRange?.ToString());
        Assert.Equal(bytes.AsSpan(100, 100).ToArray(), await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task HeadGivesTheLengthTheOriginalDoesNotSay()
    {
        var bytes = TestBytes.Random(200_000, 12);
        _blob.Hold(bytes);

        using var response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"fetch/{TestBytes.IdOf(bytes)}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("fetch/{0}")]
    [InlineData("fetch/{0}.html")]
    [InlineData("fetch/0000000000000000000000000000000000000000")]
    [InlineData("fetch/not-an-id")]
    public async Task EveryFetchResponseCarriesTheSecurityHeaders(string path)
    {
        var bytes = TestBytes.Random(100, 13);
        _blob.Hold(bytes);

        using var response = await _http.GetAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, TestBytes.IdOf(bytes)));

        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains("sandbox", Assert.Single(response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text/html", "")]
    [InlineData("", ".svg")]
    [InlineData("application/javascript", "")]
    public async Task ActiveContentIsServedAsAnAttachment(string mimeType, string extension)
    {
        var bytes = TestBytes.Random(100, 14);
        _blob.Hold(bytes, mimeType.Length > 0 ? [("X-Mime-Type", mimeType), ("X-Frame-Options", "ALLOWALL")] : [("X-Frame-Options", "ALLOWALL")]);

        using var response = await _http.GetAsync($"fetch/{TestBytes.IdOf(bytes)}{extension}");

        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
    }

    [Fact]
    public async Task AnUnavailableAnswerNamesNoServer()
    {
        var down = await ClusterLoggingTests.DeadAddressAsync();
        await using var download = await DownloadApiHost.StartAsync([down]);
        using var http = new HttpClient { BaseAddress = download.Address };

        using var response = await http.GetAsync($"fetch/{TestBytes.IdOf([1, 2])}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain(down.Authority, text, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("refused", text, StringComparison.OrdinalIgnoreCase);
    }
}
