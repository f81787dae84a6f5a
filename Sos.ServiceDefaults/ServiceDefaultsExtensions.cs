using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Sos service has: OpenTelemetry over OTLP, health checks, and service discovery
/// for its HTTP clients. Resilience is deliberately not a blanket default: blob traffic carries
/// bodies that cannot be replayed, so the blob-server client sets its own policy.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Readiness: every health check must pass. Open without credentials, for probes.</summary>
    public const string HealthPath = "/health";

    /// <summary>Liveness: the process answers. Open without credentials, for probes.</summary>
    public const string AlivePath = "/alive";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, params string[] activitySources)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry(activitySources);
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http => http.AddServiceDiscovery());
        builder.Services.AddExceptionHandler<ClientErrorExceptionHandler>();
        return builder;
    }

    private static void ConfigureOpenTelemetry<TBuilder>(this TBuilder builder, string[] activitySources)
        where TBuilder : IHostApplicationBuilder
    {
        // The AppHost (and a deployment) sets OTEL_EXPORTER_OTLP_ENDPOINT. A service run on its own
        // exports nothing, so it records nothing either: spans and histograms with nowhere to go
        // would cost every request for no one. Its meters can still be read live with dotnet-counters.
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(activitySources))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(activitySources)
                .AddAspNetCoreInstrumentation(aspNetCore =>
                    // Probes every few seconds would drown the traces people came to read.
                    aspNetCore.Filter = context => !context.Request.Path.StartsWithSegments(HealthPath) && !context.Request.Path.StartsWithSegments(AlivePath))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
    }

    private static void AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder =>
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

    /// <summary>
    /// <c>/health</c>: every check must pass (ready to serve). <c>/alive</c>: the process answers
    /// (the original sos blob-server's liveness URL, which answers the text "alive").
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("live"),
            ResponseWriter = static (context, report) =>
                context.Response.WriteAsync(report.Status == HealthStatus.Healthy ? "alive" : report.Status.ToString()),
        });
        return app;
    }
}
