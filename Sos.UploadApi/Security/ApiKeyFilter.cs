using Microsoft.Extensions.Options;
using Sos.Core.Security;

namespace Sos.UploadApi.Security;

/// <summary>
/// Uploads can require the API key, as <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>.
/// A filter runs after binding but before the handler, and the upload handler binds the body as a
/// stream it has not read yet: a refused upload is answered before any byte is spooled.
/// </summary>
public static partial class ApiKeyFilter
{
    public const string HeaderName = "X-Api-Key";

    public static WebApplicationBuilder AddApiKey(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiKeyOptions>().BindConfiguration(ApiKeyOptions.SectionName);
        return builder;
    }

    public static TBuilder RequireApiKey<TBuilder>(this TBuilder endpoints, IServiceProvider services)
        where TBuilder : IEndpointConventionBuilder
    {
        var options = services.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApiKeyFilter));
        if (!options.IsRequired)
        {
            LogOpen(logger);
            return endpoints;
        }
        var key = options.ApiKey!;
        return endpoints.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            var presented = SharedSecret.FromBearer(request.Headers.Authorization) ?? request.Headers[HeaderName].FirstOrDefault();
            if (SharedSecret.Matches(presented, key))
            {
                return await next(context);
            }
            LogRefused(logger, context.HttpContext.Connection.RemoteIpAddress?.ToString(), presented is null);
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(
                presented is null
                    ? $"Uploads need the API key, as 'Authorization: Bearer <key>' or '{HeaderName}: <key>'."
                    : "The API key is wrong.",
                statusCode: StatusCodes.Status401Unauthorized,
                title: "API key required");
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sos:ApiKey is not set: anyone who can reach this upload API can store objects. Set the AppHost parameter upload-api-key to require a key.")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused an upload from {RemoteAddress}: API key missing ({Missing}) or wrong")]
    private static partial void LogRefused(ILogger logger, string? remoteAddress, bool missing);
}
