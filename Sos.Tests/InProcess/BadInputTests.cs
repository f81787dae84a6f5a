using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Sos.Core.BlobServers;

namespace Sos.Tests.InProcess;

/// <summary>Input an object store must survive: each gets a clear error and stores nothing.</summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class BadInputTests(InProcessSos sos)
{
    // The upload API's metadata limits (Sos.UploadApi/Security/MetadataLimits.cs), as a user reads them in the README.
    private const int MaxMetadataHeaders = 32;
    private const int MaxMetadataBytes = 8 * 1024;

    [Theory]
    [InlineData(MaxMetadataHeaders + 1, 10, HttpStatusCode.BadRequest)]
    [InlineData(1, MaxMetadataBytes + 1, HttpStatusCode.BadRequest)]
    [InlineData(150, 10, HttpStatusCode.RequestHeaderFieldsTooLarge)]
    [InlineData(1, 40 * 1024, HttpStatusCode.RequestHeaderFieldsTooLarge)]
    public async Task AFloodOfMetadataHeadersIsRefusedAndNothingIsStored(int headers, int valueLength, HttpStatusCode expected)
    {
        var bytes = TestBytes.Fresh(1000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        for (var i = 0; i < headers; i++)
        {
            request.Headers.Add($"X-Flood-{i}", new string('v', valueLength));
        }

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
    }

    [Fact]
    public async Task MetadataWithinTheLimitsIsStoredWhole()
    {
        var bytes = TestBytes.Fresh(1000);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        for (var i = 0; i < MaxMetadataHeaders; i++)
        {
            request.Headers.Add($"X-Tag-{i}", $"value {i}");
        }

        using var response = await sos.Upload.SendAsync(request);
        var stored = await response.Content.ReadFromJsonAsync<StoredObject>();
        using var fetched = await sos.Download.GetAsync($"/fetch/{stored!.Id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("value 0", Assert.Single(fetched.Headers.GetValues("X-Tag-0")));
        Assert.Equal($"value {MaxMetadataHeaders - 1}", Assert.Single(fetched.Headers.GetValues($"X-Tag-{MaxMetadataHeaders - 1}")));
    }

    [Fact]
    public async Task OnlyXMimeTypeCanSetTheDownloadsContentType()
    {
        var bytes = TestBytes.Fresh(300);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new("text/html");
        request.Headers.Add("X-Content-Type", "text/html");
        request.Headers.Add("X-Content-Disposition", "inline");

        using var response = await sos.Upload.SendAsync(request);
        var stored = await response.Content.ReadFromJsonAsync<StoredObject>();
        using var fetched = await sos.Download.GetAsync($"/fetch/{stored!.Id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("application/octet-stream", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Null(fetched.Content.Headers.ContentDisposition);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AClientThatStallsMidBodyIsCutOffAndItsSpoolFileRemoved()
    {
        // A raw connection: HttpClient would wait on its own stalled body and never see the server give up.
        var upload = sos.Upload.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(upload.Host, upload.Port);
        var stream = tcp.GetStream();
        var head = $"POST /upload HTTP/1.1\r\nHost: {upload.Authority}\r\nContent-Length: {1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(TestBytes.Fresh(500));
        var started = Stopwatch.StartNew();

        // Then nothing more: the server must give up on its own (Kestrel's minimum body data rate).
        var answer = await ReadUntilClosedAsync(stream, TimeSpan.FromSeconds(45));

        Assert.True(answer is not null, "the server still waits on a client that stalled 45 s ago");
        Assert.DoesNotContain("200 OK", answer, StringComparison.Ordinal);
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(45));
        await AssertEventuallyEmptyAsync(sos.SpoolDirectory);
        Assert.Empty(sos.StagedFiles());
    }

    /// <summary>What the server sends until it closes the connection, or null if it has not closed it in time.</summary>
    private static async Task<string?> ReadUntilClosedAsync(NetworkStream stream, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (IOException)
        {
            // Reset rather than closed: given up on just the same.
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task AssertEventuallyEmptyAsync(string directory)
    {
        for (var attempt = 0; attempt < 50 && Directory.Exists(directory) && Directory.EnumerateFiles(directory).Any(); attempt++)
        {
            await Task.Delay(100);
        }
        Assert.Empty(Directory.Exists(directory) ? Directory.GetFiles(directory) : []);
    }
}
