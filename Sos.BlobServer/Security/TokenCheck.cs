using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sos.Core.Security;

namespace Sos.BlobServer.Security;

/// <summary>
/// Blob servers are internal: with a token configured, every request must present one as
/// <c>Authorization: Bearer &lt;token&gt;</c> or gets 401 before any byte is read or written. The
/// token presented sets the request's <see cref="TokenScope"/>; endpoints that remove copies or
/// take leases ask for <see cref="TokenScope.Replicator"/> through
/// <see cref="RequireReplicatorScope{TBuilder}"/> and answer 403 to anything less. <c>/health</c>
/// and <c>/alive</c> stay open: orchestrators and Aspire's health checks probe them without
/// credentials, and they tell nothing about the objects held.
/// </summary>
public static partial class TokenCheck
{
    private static readonly PathString[] OpenPaths = [ServiceDefaultsExtensions.HealthPath, ServiceDefaultsExtensions.AlivePath];
    private static readonly object ScopeKey = new();

    public static WebApplicationBuilder AddTokenCheck(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BlobServerTokenOptions>().BindConfiguration(BlobServerTokenOptions.SectionName);
        return builder;
    }

    public static WebApplication UseTokenCheck(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<BlobServerTokenOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(TokenCheck));
        if (!options.IsRequired)
        {
            // Compatibility with the original sos tools, which send no token; under the AppHost both are always set.
            LogOpen(logger);
        }
        else if (string.IsNullOrEmpty(options.ReplicatorToken))
        {
            LogNoReplicatorToken(logger);
        }
        app.Use(async (context, next) =>
        {
            if (OpenPaths.Any(path => context.Request.Path.StartsWithSegments(path)))
            {
                await next(context);
                return;
            }
            if (ScopeOf(SharedSecret.FromBearer(context.Request.Headers.Authorization), options) is { } scope)
            {
                context.Items[ScopeKey] = scope;
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

    /// <summary>Answers 403 unless the request presented the replicator's token.</summary>
    public static TBuilder RequireReplicatorScope<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (context.HttpContext.Items[ScopeKey] is TokenScope.Replicator)
            {
                return await next(context);
            }
            return TypedResults.Problem(
                "Removing copies and taking leases needs the replicator's token; this credential (or none, on a server without tokens) only reads and writes.",
                statusCode: StatusCodes.Status403Forbidden,
                title: "Replicator token required");
        });

    /// <summary>Answers 403 unless the request presented the delete token or the replicator's.</summary>
    public static TBuilder RequireDeleteScope<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            MayRecordDeletes(context.HttpContext) ? await next(context) : DeleteScopeRequired());

    /// <summary>Whether the request presented the delete token or the replicator's.</summary>
    public static bool MayRecordDeletes(HttpContext context) =>
        context.Items[ScopeKey] is TokenScope.Delete or TokenScope.Replicator;

    /// <summary>The 403 of a request that would record a delete without the scope for it.</summary>
    public static ProblemHttpResult DeleteScopeRequired() =>
        TypedResults.Problem(
            "Recording a delete needs the delete token (or the replicator's); this credential (or none, on a server without tokens) only reads and writes.",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Delete token required");

    /// <summary>The scope a presented credential grants; null when it must be refused (401).</summary>
    internal static TokenScope? ScopeOf(string? presented, BlobServerTokenOptions options)
    {
        if (!string.IsNullOrEmpty(options.ReplicatorToken) && SharedSecret.Matches(presented, options.ReplicatorToken))
        {
            return TokenScope.Replicator;
        }
        if (!string.IsNullOrEmpty(options.DeleteToken) && SharedSecret.Matches(presented, options.DeleteToken))
        {
            return TokenScope.Delete;
        }
        if (!options.IsRequired || (!string.IsNullOrEmpty(options.InternalToken) && SharedSecret.Matches(presented, options.InternalToken)))
        {
            return TokenScope.ReadWrite;
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sos:InternalToken, Sos:DeleteToken and Sos:ReplicatorToken are not set: this blob server accepts reads and writes from anyone who can reach it, and refuses every removal and delete.")]
    private static partial void LogOpen(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sos:ReplicatorToken is not set: this blob server refuses every removal of a copy and every lease.")]
    private static partial void LogNoReplicatorToken(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Method} {Path} from {RemoteAddress}: no valid token")]
    private static partial void LogRefused(ILogger logger, string method, string path, string? remoteAddress);
}
