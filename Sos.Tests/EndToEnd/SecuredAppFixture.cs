using Sos.Tests.Telemetry;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// An app of its own with an upload API key set (<c>--Parameters:upload-api-key</c>, as a user sets
/// it) and every service exporting its telemetry over OTLP to a receiver this fixture runs, for the
/// trace proof (that the AppHost hands the key to the upload API and aims every exporter) and for
/// the tests that read the services' own metrics. It takes objects of a few hundred MiB, for the
/// command line's whole-system test.
/// </summary>
public sealed class SecuredAppFixture : IAsyncLifetime
{
    public const string ApiKey = "test-upload-key-7d0c9a";
    public const long MaxObjectBytes = 512L * 1024 * 1024;

    /// <summary>How often the services export metrics here: often enough that a test reads a counter within a second or two.</summary>
    private static readonly TimeSpan MetricInterval = TimeSpan.FromMilliseconds(500);

    public OtlpReceiver Telemetry { get; } = new();

    public SosAppFixture Sos { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await Telemetry.StartAsync();
        Sos = SosAppFixture.CreateOwn(MaxObjectBytes, [$"--Parameters:upload-api-key={ApiKey}"], appHost => Telemetry.ReceiveFrom(appHost, MetricInterval));
        await Sos.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await Sos.DisposeAsync();
        await Telemetry.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SecuredAppDefinition : ICollectionFixture<SecuredAppFixture>
{
    public const string Name = "Sos app with an API key and telemetry";
}
