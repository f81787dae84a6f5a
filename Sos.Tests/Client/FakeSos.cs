using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Sos.Client;

namespace Sos.Tests.Client;

/// <summary>
/// Sos's two public APIs as a client sees them, in one small in-process web app on a free
/// loopback port: <c>POST /upload</c> (API key, <c>X-Sos-Sha1</c>, <c>If-None-Match: *</c> → 412
/// before the body is read), <c>DELETE /upload/{id}</c> (API key, 404 for an id never stored, 200
/// again for a deleted one) and <c>GET|HEAD /fetch/{id}</c> (metadata, ranges), with switches that
/// make it fail the way a real deployment can.
/// </summary>
internal sealed class FakeSos : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (byte[] Bytes, Dictionary<string, string> Metadata)> _objects = new();
    private readonly ConcurrentDictionary<string, DateTimeOffset> _tombstones = new();
    private long _bodyBytesRead;
    private int _uploadAttempts;
    private int _fetchAttempts;
    private int _failUploads;
    private int _failFetches;
    private int _failDeletes;
    private int _deleteAttempts;
    private int _corruptUploads;

    private FakeSos(string? apiKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        lock (FactoryStarts.Gate)
        {
            _app = builder.Build();
        }
        _app.MapGet("/health", () => Results.Ok());
        _app.MapPost("/upload", context => UploadAsync(context, apiKey));
        _app.MapDelete("/upload/{id}", context => DeleteAsync(context, apiKey));
        _app.MapMethods("/fetch/{id}", ["GET", "HEAD"], FetchAsync);
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Bytes of upload bodies the fake has read, over all uploads.</summary>
    public long BodyBytesRead => Interlocked.Read(ref _bodyBytesRead);

    public int UploadAttempts => _uploadAttempts;

    public int FetchAttempts => _fetchAttempts;

    public int DeleteAttempts => _deleteAttempts;

    /// <summary>The <c>traceparent</c> of the last request, as W3C trace context propagation sent it.</summary>
    public string? LastTraceParent { get; private set; }

    /// <summary>The <c>Authorization</c> of the last upload.</summary>
    public string? LastAuthorization { get; private set; }

    /// <summary>Serve this many bytes of a fetch, then hold the response open until the client gives up.</summary>
    public long? StallFetchAfter { get; set; }

    /// <summary>Answer a ranged fetch with the whole object (200), as a server or proxy that ignores <c>Range</c> does.</summary>
    public bool IgnoreRanges { get; set; }

    public static async Task<FakeSos> StartAsync(string? apiKey = null)
    {
        var fake = new FakeSos(apiKey);
        await fake._app.StartAsync();
        fake.Url = new Uri(fake._app.Urls.Single());
        return fake;
    }

    /// <summary>The next <paramref name="count"/> uploads are answered 503, their bodies read to the end as the real API does.</summary>
    public void FailNextUploads(int count) => _failUploads = count;

    /// <summary>The next <paramref name="count"/> fetches are answered 503.</summary>
    public void FailNextFetches(int count) => _failFetches = count;

    /// <summary>The next <paramref name="count"/> deletes are answered 503 (too few blob servers recorded them).</summary>
    public void FailNextDeletes(int count) => _failDeletes = count;

    /// <summary>The next <paramref name="count"/> upload bodies arrive with a byte flipped, as if damaged on the way.</summary>
    public void CorruptNextUploads(int count) => _corruptUploads = count;

    /// <summary>Stores <paramref name="bytes"/> under <paramref name="id"/>, whether or not they hash to it (a bad copy).</summary>
    public void Put(string id, byte[] bytes, Dictionary<string, string>? metadata = null) =>
        _objects[id] = (bytes, metadata ?? []);

    public bool Holds(string id) => _objects.ContainsKey(id);

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    private async Task UploadAsync(HttpContext context, string? apiKey)
    {
        Interlocked.Increment(ref _uploadAttempts);
        LastTraceParent = context.Request.Headers["traceparent"];
        LastAuthorization = context.Request.Headers.Authorization;
        var request = context.Request;
        if (apiKey is not null && request.Headers.Authorization != $"Bearer {apiKey}")
        {
            await Problem(context, StatusCodes.Status401Unauthorized, "Uploads need the API key.");
            return;
        }
        var announced = request.Headers["X-Sos-Sha1"].ToString();
        if (announced.Length > 0 && request.Headers.IfNoneMatch == "*" && _objects.TryGetValue(announced, out var stored))
        {
            await Problem(context, StatusCodes.Status412PreconditionFailed, $"{announced} is already stored.", new() { ["id"] = announced, ["size"] = stored.Bytes.Length });
            return;
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        Interlocked.Add(ref _bodyBytesRead, body.Length);
        if (Interlocked.Decrement(ref _failUploads) >= 0)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "Not enough blob servers.");
            return;
        }
        var bytes = body.ToArray();
        if (Interlocked.Decrement(ref _corruptUploads) >= 0 && bytes.Length > 0)
        {
            bytes[bytes.Length / 2] ^= 0xff;
        }
        var id = Convert.ToHexStringLower(TestBytes.Sha1(bytes));
        if (announced.Length > 0 && announced != id)
        {
            await Problem(context, StatusCodes.Status400BadRequest, $"The body hashes to {id}, not to {announced} as announced; nothing was stored.");
            return;
        }
        var metadata = request.Headers.Where(h => h.Key.StartsWith("X-", StringComparison.OrdinalIgnoreCase) && h.Key != "X-Sos-Sha1")
            .ToDictionary(h => h.Key, h => h.Value.ToString());
        _objects.TryAdd(id, (bytes, metadata));
        _tombstones.TryRemove(id, out _);
        await context.Response.WriteAsJsonAsync(new { id, size = bytes.Length, status = "OK" });
    }

    private async Task DeleteAsync(HttpContext context, string? apiKey)
    {
        Interlocked.Increment(ref _deleteAttempts);
        LastTraceParent = context.Request.Headers["traceparent"];
        LastAuthorization = context.Request.Headers.Authorization;
        var id = (string)context.Request.RouteValues["id"]!;
        if (apiKey is not null && context.Request.Headers.Authorization != $"Bearer {apiKey}")
        {
            await Problem(context, StatusCodes.Status401Unauthorized, "Deletes need the API key.");
            return;
        }
        if (!SosClient.IsValidId(id))
        {
            await Problem(context, StatusCodes.Status400BadRequest, "That is not an object id: ids are 40 lowercase hex characters.");
            return;
        }
        if (Interlocked.Decrement(ref _failDeletes) >= 0)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "Too few storage servers could record the delete right now. Try again later.");
            return;
        }
        if (_objects.TryRemove(id, out _))
        {
            _tombstones[id] = DateTimeOffset.UtcNow;
        }
        if (!_tombstones.TryGetValue(id, out var deletedAt))
        {
            await Problem(context, StatusCodes.Status404NotFound, $"No object has the id {id}.");
            return;
        }
        await context.Response.WriteAsJsonAsync(new { id, status = "deleted", deletedAt });
    }

    private async Task FetchAsync(HttpContext context)
    {
        Interlocked.Increment(ref _fetchAttempts);
        LastTraceParent = context.Request.Headers["traceparent"];
        var id = (string)context.Request.RouteValues["id"]!;
        if (Interlocked.Decrement(ref _failFetches) >= 0)
        {
            await Problem(context, StatusCodes.Status503ServiceUnavailable, "No blob server could be asked.");
            return;
        }
        if (!_objects.TryGetValue(id, out var found))
        {
            await Problem(context, StatusCodes.Status404NotFound, $"No object {id}.");
            return;
        }
        context.Response.Headers["X-Content-Type-Options"] = "nosniff";
        foreach (var (name, value) in found.Metadata)
        {
            context.Response.Headers[name] = value;
        }
        if (StallFetchAfter is { } stall)
        {
            context.Response.ContentLength = found.Bytes.Length;
            await context.Response.Body.WriteAsync(found.Bytes.AsMemory(0, (int)stall));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        // The file result answers HEAD, Range (206) and ranges past the end (416) as the real API does.
        await Results.Bytes(found.Bytes, found.Metadata.GetValueOrDefault("X-Mime-Type") ?? "application/octet-stream", enableRangeProcessing: !IgnoreRanges)
            .ExecuteAsync(context);
    }

    private static Task Problem(HttpContext context, int status, string detail, Dictionary<string, object?>? extensions = null) =>
        Results.Problem(detail, statusCode: status, extensions: extensions).ExecuteAsync(context);
}
