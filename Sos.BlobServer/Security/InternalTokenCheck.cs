using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Security;

namespace Sos.BlobServer.Security;

/// <summary>
/// Blob servers are internal: with <c>Sos:InternalToken</c> configured, every request must
/// present it as <c>Authorization: Bearer &lt;token&gt;</c> or gets 401 before any byte is read or
/// written. <c>/health</c> and <c>/alive</c> stay open: orchestrators and Aspire's health checks
/// probe them without credentials, and they tell nothing about the objects held.
/// </summary>
public static partial class InternalTokenCheck
{
    private static readonly PathString[] OpenPaths = [ServiceDefaultsExtensions.HealthPath, ServiceDefaultsExtensions.AlivePath];

    public static WebApplicationBuilder AddInternalTokenCheck(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InternalTokenOptions>().BindConfiguration(InternalTokenOptions.SectionName);
        return builder;
    }

    public static WebApplication UseInternalTokenCheck(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<InternalTokenOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(InternalTokenCheck));
        if (!options.IsRequired)
        {
            // Compatibility with the original sos tools, which send no token; under the AppHost it is always set.
            LogOpen(logger);
            return app;
        }
        var token = options.InternalToken!;
        app.Use(async (context, next) =>
        {
            if (OpenPaths.Any(path => context.Request.Path.StartsWithSegments(path))
                || SharedSecret.Matches(SharedSecret.FromBearer(context.Request.Headers.Authorization), token))
            {
                await next(context);
                return;
            }
            LogRefused(logger, context.Request.Method, context.Request.Path, context.Connection.RemoteIpAddress?.ToString());
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await TypedResults.Problem(
                    "Blob servers are internal: present the cluster's internal token as 'Authorization: Bearer <token>'.",
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Internal token required")
                .ExecuteAsync(context);
        });
        return app;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sos:InternalToken is not set: this blob server accepts requests from anyone who can reach it.")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {RemoteAddress}: no valid internal token")]
    private static partial void LogRefused(ILogger logger, string method, string path, string? remoteAddress);
}
