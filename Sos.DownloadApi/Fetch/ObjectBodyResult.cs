using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Sends the status and body of a fetch, its headers already set. When a streamed body fails on
/// the way (a copy that does not match its id, a blob server gone mid-stream), the connection is
/// aborted: the client sees a short body, never a complete response with wrong bytes.
/// </summary>
internal sealed partial class ObjectBodyResult : IResult, IStatusCodeHttpResult
{
    // Read from the blob server (or its directory) straight into the response's buffer, one segment at
    // a time. A slow reader holds one until the socket takes it, so the first are small enough that
    // many stalled readers stay cheap; for a reader that keeps up they grow to 1 MiB, which passes a
    // large object on with few system calls and thread hops (with 64 KiB segments throughout, a 1 GiB
    // download cost this service about 70% more CPU and ran about 30% slower). All responses share
    // 32 MiB for the growth, so readers that stall after a fast start cannot make the process hold a
    // MiB each: past it, they go on at 64 KiB.
    private const int SegmentSize = 64 * 1024;
    private static readonly SegmentBudget LargeSegments = new(maxSegmentSize: 1024 * 1024, totalBytes: 32 * 1024 * 1024);

    private readonly int _statusCode;
    private readonly Stream? _stream;
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly ObjectId _id;

    /// <summary>A body streamed from a blob server or its directory, or none (HEAD) when <paramref name="body"/> is null.</summary>
    public ObjectBodyResult(int statusCode, Stream? body, ObjectId id)
    {
        _statusCode = statusCode;
        _stream = body;
        _id = id;
    }

    /// <summary>A body already in memory and checked against its id (a cached object), written as it is.</summary>
    public ObjectBodyResult(int statusCode, ReadOnlyMemory<byte> bytes, ObjectId id)
    {
        _statusCode = statusCode;
        _bytes = bytes;
        _id = id;
    }

    public int? StatusCode => _statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = _statusCode;
        if (_stream is null)
        {
            if (!_bytes.IsEmpty)
            {
                await httpContext.Response.BodyWriter.WriteAsync(_bytes, httpContext.RequestAborted);
            }
            return;
        }
        try
        {
            await PipeCopy.CopyAsync(_stream, httpContext.Response.BodyWriter, SegmentSize, httpContext.RequestAborted, LargeSegments);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !httpContext.RequestAborted.IsCancellationRequested)
        {
            var logger = httpContext.RequestServices.GetRequiredService<ILogger<ObjectBodyResult>>();
            LogAborted(logger, _id, ex.Message);
            httpContext.Abort();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Aborted the response for {ObjectId} before its last bytes: {Reason}")]
    private static partial void LogAborted(ILogger logger, ObjectId objectId, string reason);
}
