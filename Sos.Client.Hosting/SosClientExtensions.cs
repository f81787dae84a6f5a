using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Sos.Client;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers a <see cref="SosClient"/> in a .NET service, as Aspire's client integrations do.</summary>
public static class SosClientExtensions
{
    private const string DefaultConfigSectionName = "Aspire:Sos:Client";

    /// <summary>
    /// Registers <see cref="SosClient"/> for the Sos named <paramref name="connectionName"/>:
    /// settings from <c>Aspire:Sos:Client</c>, then the connection string
    /// <c>ConnectionStrings:{connectionName}</c> (<c>Upload=...;Download=...;Key=...</c>), then
    /// <paramref name="configureSettings"/>. Adds a health check (the download API answers) and
    /// the client's spans to tracing, unless the settings turn them off.
    /// </summary>
    /// <exception cref="InvalidOperationException">The settings name no upload or no download endpoint, or the connection string is malformed.</exception>
    public static void AddSosClient(this IHostApplicationBuilder builder, string connectionName, Action<SosClientSettings>? configureSettings = null) =>
        AddSosClient(builder, DefaultConfigSectionName, connectionName, serviceKey: null, configureSettings);

    /// <summary>
    /// Registers <see cref="SosClient"/> as a keyed service under <paramref name="name"/>, for a
    /// service that talks to several Sos clusters; settings also from <c>Aspire:Sos:Client:{name}</c>.
    /// </summary>
    public static void AddKeyedSosClient(this IHostApplicationBuilder builder, string name, Action<SosClientSettings>? configureSettings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        AddSosClient(builder, $"{DefaultConfigSectionName}:{name}", name, serviceKey: name, configureSettings);
    }

    private static void AddSosClient(
        IHostApplicationBuilder builder, string sectionName, string connectionName, string? serviceKey, Action<SosClientSettings>? configureSettings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(connectionName);

        var settings = new SosClientSettings();
        builder.Configuration.GetSection(sectionName).Bind(settings);
        if (builder.Configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ParseConnectionString(connectionString);
        }
        configureSettings?.Invoke(settings);
        var options = settings.ToClientOptions(connectionName);

        var httpClientName = serviceKey is null ? SosClient.ActivitySourceName : $"{SosClient.ActivitySourceName}:{serviceKey}";
        var http = builder.Services.AddHttpClient(httpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => SosClient.CreatePrimaryHandler(options));
        // A service's blanket default (the Aspire template adds the standard resilience handler to
        // every client) would retry streamed uploads and cut large ones off after 30 s: this client
        // keeps only its own policy. The removal is marked experimental; it is the documented way.
#pragma warning disable EXTEXP0001
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        http.AddResilienceHandler("sos", SosResilience.Configure);

        SosClient Create(IServiceProvider services) =>
            new(services.GetRequiredService<IHttpClientFactory>().CreateClient(httpClientName), options);
        if (serviceKey is null)
        {
            builder.Services.AddTransient(Create);
        }
        else
        {
            builder.Services.AddKeyedTransient(serviceKey, (services, _) => Create(services));
        }

        if (!settings.DisableHealthChecks)
        {
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
                serviceKey is null ? "Sos" : $"Sos_{connectionName}",
                services => new SosHealthCheck(services.GetRequiredService<IHttpClientFactory>().CreateClient(httpClientName), options.DownloadEndpoint),
                failureStatus: default,
                tags: default,
                timeout: settings.HealthCheckTimeout));
        }

        if (!settings.DisableTracing)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing.AddSource(SosClient.ActivitySourceName));
        }
    }
}
