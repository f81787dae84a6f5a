using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Sos.Tests.Telemetry;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// An app of its own with an upload API key set (<c>--Parameters:upload-api-key</c>, as a user sets
/// it) and every service exporting its telemetry over OTLP to a receiver this fixture runs, for the
/// trace proof: that the AppHost hands the key to the upload API and aims every exporter.
/// </summary>
public sealed class SecuredAppFixture : IAsyncLifetime
{
    public const string ApiKey = "test-upload-key-7d0c9a";

    public OtlpReceiver Telemetry { get; } = new();

    public SosAppFixture Sos { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Telemetry.StartAsync();
        Sos = SosAppFixture.CreateOwn(extraArgs: [$"--Parameters:upload-api-key={ApiKey}"], configure: ExportTelemetryTo(Telemetry.Endpoint));
        await Sos.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Sos.DisposeAsync();
        await Telemetry.DisposeAsync();
    }

    /// <summary>
    /// Points each service's OTLP exporter at <paramref name="endpoint"/>. These environment
    /// callbacks run after Aspire's own (which aim at the dashboard), so they win.
    /// </summary>
    private static Action<IDistributedApplicationTestingBuilder> ExportTelemetryTo(Uri endpoint) => appHost =>
    {
        foreach (var project in appHost.Resources.OfType<ProjectResource>().ToList())
        {
            appHost.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_SERVICE_NAME", project.Name)
                // Export within a fraction of a second instead of the SDK's 5 s batches.
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200");
        }
    };
}

[CollectionDefinition(Name)]
public sealed class SecuredAppDefinition : ICollectionFixture<SecuredAppFixture>
{
    public const string Name = "Sos app with an API key and telemetry";
}
