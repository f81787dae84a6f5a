using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sos.Core.Objects;

namespace Sos.Tests.Fakes;

/// <summary>
/// A blob server that answers the way the original sos (Go) blob-server does: GET bodies sent
/// chunked with no Content-Length, Range ignored (200 and the whole copy), a plain-text 404,
/// metadata kept as the X- headers of the upload, and <c>/blobs</c> a JSON array of every id
/// (after and limit ignored). No credentials. For tests of the cluster layer and the services on it.
/// </summary>
internal sealed class OriginalBlobServer : IAsyncDisposable
{
    private readonly InProcessApp _app;

    private OriginalBlobServer(InProcessApp app) => _app = app;

    public Uri Address => _app.Address;

    /// <summary>The copies held: bytes and the X- headers they came with.</summary>
    public ConcurrentDictionary<string, (byte[] Bytes, Dictionary<string, string> Metadata)> Copies { get; } = new();

    /// <summary>Whether HEAD gives Content-Length (Go's does for small bodies only); off by default.</summary>
    public bool HeadGivesLength { get; set; }

    /// <summary>Send GET bodies with a Content-Length, as a Sos blob server does; off (chunked) by default.</summary>
    public bool SendLength { get; set; }

    /// <summary>Serve these bytes instead of the stored ones (a rotten copy).</summary>
    public Func<byte[], byte[]> Serve { get; set; } = bytes => bytes;

    /// <summary>Writes received (POST or PUT).</summary>
    public int Writes => _writes;

    private int _writes;

    public static async Task<OriginalBlobServer> StartAsync()
    {
        OriginalBlobServer? server = null;
        var app = await InProcessApp.StartAsync(_ => { }, web =>
        {
            web.MapMethods("/blob/{id}", ["POST", "PUT"], (string id, HttpRequest request) => server!.StoreAsync(id, request));
            web.MapMethods("/blob/{id}", ["GET", "HEAD"], (string id, HttpContext context) => server!.ServeAsync(id, context));
            web.MapGet("/blobs", () => Results.Json(server!.Copies.Keys.ToArray()));
        });
        server = new OriginalBlobServer(app);
        return server;
    }

    /// <summary>Puts a copy in place as an earlier upload would have.</summary>
    public void Hold(byte[] bytes, params (string Name, string Value)[] metadata) =>
        Copies[TestBytes.IdOf(bytes).ToString()] = (bytes, metadata.ToDictionary(pair => pair.Name, pair => pair.Value));

    private async Task<IResult> StoreAsync(string id, HttpRequest request)
    {
        Interlocked.Increment(ref _writes);
        using var received = new MemoryStream();
        await request.Body.CopyToAsync(received);
        var bytes = received.ToArray();
        if (TestBytes.IdOf(bytes).ToString() != id)
        {
            return Results.Text("hash mismatch", statusCode: 500);
        }
        var metadata = request.Headers.Where(header => header.Key.StartsWith("X-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(header => ObjectMetadata.Canonicalize(header.Key), header => header.Value.ToString());
        Copies[id] = (bytes, metadata);
        return Results.Json(new { id, size = bytes.Length, status = "OK" });
    }

    private async Task ServeAsync(string id, HttpContext context)
    {
        if (!Copies.TryGetValue(id, out var copy))
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("404 page not found\n");
            return;
        }
        foreach (var (name, value) in copy.Metadata)
        {
            context.Response.Headers[name] = value;
        }
        if (copy.Metadata.TryGetValue(ObjectMetadata.MimeTypeHeader, out var mimeType))
        {
            context.Response.ContentType = mimeType;
        }
        var bytes = Serve(copy.Bytes);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            if (HeadGivesLength)
            {
                context.Response.ContentLength = bytes.Length;
            }
            return;
        }
        if (SendLength)
        {
            context.Response.ContentLength = bytes.Length;
        }
        // Written in pieces with no Content-Length: Kestrel sends it chunked, as Go does.
        await context.Response.StartAsync();
        for (var offset = 0; offset < bytes.Length; offset += 8192)
        {
            await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(8192, bytes.Length - offset)));
        }
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
