using System.Net;
using System.Net.Sockets;
using Sos.Tests.Fakes;

namespace Sos.Tests.Upload;

/// <summary>The upload API, in process, over blob servers that answer as the original sos ones do.</summary>
public sealed class UploadToOriginalBlobServersTests : IAsyncLifetime
{
    private OriginalBlobServer _first = null!;
    private OriginalBlobServer _second = null!;

    public async Task InitializeAsync()
    {
        _first = await OriginalBlobServer.StartAsync();
        _second = await OriginalBlobServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task AnUploadStoresBothCopiesWithItsMetadata()
    {
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address]);
        var bytes = TestBytes.Random(100_000, 30);

        using var response = await PostAsync(upload, bytes, "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var server in new[] { _first, _second })
        {
            Assert.Equal(bytes, server.Copies[TestBytes.IdOf(bytes).ToString()].Bytes);
            Assert.Equal("image/png", server.Copies[TestBytes.IdOf(bytes).ToString()].Metadata["X-Mime-Type"]);
        }
    }

    [Fact]
    public async Task NewCopiesOfAStoredObjectCarryItsFirstMetadata()
    {
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address]);
        var bytes = TestBytes.Random(5000, 31);
        _first.Hold(bytes, ("X-Mime-Type", "text/plain"));

        using var response = await PostAsync(upload, bytes, "text/html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", _second.Copies[TestBytes.IdOf(bytes).ToString()].Metadata["X-Mime-Type"]);
        Assert.Equal("text/plain", _first.Copies[TestBytes.IdOf(bytes).ToString()].Metadata["X-Mime-Type"]);
        Assert.Equal(0, _first.Writes);
    }

    [Fact]
    public async Task AnObjectWithItsCopiesIsNotRewritten()
    {
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address]);
        var bytes = TestBytes.Random(5000, 32);
        _first.Hold(bytes, ("X-Mime-Type", "text/plain"));
        _second.Hold(bytes, ("X-Mime-Type", "text/plain"));

        using var response = await PostAsync(upload, bytes, "text/html");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, _first.Writes + _second.Writes);
    }

    [Fact]
    public async Task AnUploadIsRefusedWhenAsManyServersAsItNeedsCopiesCannotBeAsked()
    {
        // The object's two holders may be the two silent servers: copies written now would carry
        // this upload's metadata, not the first upload's.
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address, RefusingAddress(), RefusingAddress()]);
        var bytes = TestBytes.Random(5000, 34);

        using var response = await PostAsync(upload, bytes, "text/html");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, _first.Writes + _second.Writes);
    }

    [Fact]
    public async Task AnUploadGoesAheadWithFewerSilentServersThanItNeedsCopies()
    {
        // Any stored object keeps a copy on a server that answered, so a new-looking one is new.
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address, RefusingAddress()]);
        var bytes = TestBytes.Random(5000, 35);

        using var response = await PostAsync(upload, bytes, "image/png");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _first.Writes + _second.Writes);
    }

    [Fact]
    public async Task ARefusedUploadNamesNoServer()
    {
        await using var upload = await UploadApiHost.StartAsync([_first.Address, _second.Address], minCopies: 3);

        using var response = await PostAsync(upload, TestBytes.Random(100, 33), "image/png");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("127.0.0.1", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_first.Address.Authority, text, StringComparison.Ordinal);
    }

    /// <summary>An address whose port refuses connections, as a crashed server's does.</summary>
    private static Uri RefusingAddress()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }

    private static async Task<HttpResponseMessage> PostAsync(InProcessApp upload, byte[] bytes, string mimeType)
    {
        using var http = new HttpClient { BaseAddress = upload.Address };
        using var content = new ByteArrayContent(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "upload") { Content = content };
        request.Headers.TryAddWithoutValidation("X-Mime-Type", mimeType);
        return await http.SendAsync(request);
    }
}
