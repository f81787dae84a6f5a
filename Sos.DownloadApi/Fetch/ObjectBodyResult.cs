using System.Buffers;
using Sos.Core.Objects;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// Sends the status and body of a fetch, its headers already set. When the body fails on the
/// way (a copy that does not match its id, a blob server gone mid-stream), the connection is
/// aborted: the client sees a short body, never a complete response with wrong bytes.
/// </summary>
internal sealed partial class ObjectBodyResult(int statusCode, Stream? body, ObjectId id) : IResult, IStatusCodeHttpResult
{
    private const int BufferSize = 128 * 1024;

    public int? StatusCode => statusCode;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = statusCode;
        if (body is null)
        {
            return;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize), httpContext.RequestAborted)) > 0)
            {
                await httpContext.Response.Body.WriteAsync(buffer.AsMemory(0, read), httpContext.RequestAborted);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !httpContext.RequestAborted.IsCancellationRequested)
        {
            var logger = httpContext.RequestServices.GetRequiredService<ILogger<ObjectBodyResult>>();
            LogAborted(logger, id, ex.Message);
            httpContext.Abort();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Aborted the response for {ObjectId} before its last bytes: {Reason}")]
    private static partial void LogAborted(ILogger logger, ObjectId objectId, string reason);
}
