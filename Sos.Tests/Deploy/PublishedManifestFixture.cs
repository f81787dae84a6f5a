using System.Text.Json;
using Aspire.Hosting.Testing;

namespace Sos.Tests.Deploy;

/// <summary>
/// The AppHost in publish mode: runs the manifest publisher in-process (no service is started)
/// for four blob servers plus one that runs elsewhere, and parses what it wrote.
/// </summary>
public sealed class PublishedManifestFixture : IAsyncLifetime
{
    public const int BlobServerCount = 4;
    public const string ExternalBlobServer = "blob9";
    public const string ExternalBlobServerUrl = "http://10.0.0.9:8080/";

    private readonly string _directory = Directory.CreateTempSubdirectory("sos-manifest-").FullName;
    private JsonDocument? _manifest;

    public JsonElement Resources => (_manifest ?? throw new InvalidOperationException("No manifest was published.")).RootElement.GetProperty("resources");

    public JsonElement Resource(string name) =>
        Resources.TryGetProperty(name, out var resource) ? resource : throw new Xunit.Sdk.XunitException($"The manifest has no resource '{name}'.");

    public async Task InitializeAsync()
    {
        var path = Path.Combine(_directory, "aspire-manifest.json");
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Sos_AppHost>(
        [
            "--publisher", "manifest", "--output-path", path,
            $"--Sos:BlobServerCount={BlobServerCount}",
            $"--Sos:ExternalBlobServers:{ExternalBlobServer}={ExternalBlobServerUrl}",
        ]);
        await using var app = await appHost.BuildAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await app.RunAsync(timeout.Token);
        await using var file = File.OpenRead(path);
        _manifest = await JsonDocument.ParseAsync(file, cancellationToken: timeout.Token);
    }

    public Task DisposeAsync()
    {
        _manifest?.Dispose();
        Directory.Delete(_directory, recursive: true);
        return Task.CompletedTask;
    }
}
