using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Kestrel reports a client's fault while the body is read (too slow: 408, too large: 413, cut
/// short: 400) as a <see cref="BadHttpRequestException"/>; answered as such, not as a 500 that
/// would blame the server.
/// </summary>
internal sealed class ClientErrorExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }
        httpContext.Response.StatusCode = badRequest.StatusCode;
        // Resolved per request: a service without problem details (the replicator) registers this handler too.
        var problemDetails = httpContext.RequestServices.GetService<IProblemDetailsService>();
        return problemDetails is not null && await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = badRequest.StatusCode, Title = "Bad request", Detail = badRequest.Message },
        });
    }
}
