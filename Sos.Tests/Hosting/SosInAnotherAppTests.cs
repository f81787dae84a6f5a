using System.Net;
using System.Net.Http.Json;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Sos.Tests.EndToEnd;
using Sos.Tests.Telemetry;
using Xunit.Abstractions;

namespace Sos.Tests.Hosting;

/// <summary>
/// Sos as someone else's Aspire app uses it: the sample AppHost adds it with <c>AddSos("sos")</c>
/// and a notes service that reaches it through <c>AddSosClient("sos")</c>, both as the README
/// shows. Every service exports its traces to a receiver here.
/// </summary>
[Trait("Category", "WholeSystem")]
public sealed class SosInAnotherAppTests(ITestOutputHelper output) : IAsyncLifetime
{
    // The whole cluster and a service of its own; a busy machine takes minutes to start them all.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromSeconds(30);

    private OtlpReceiver Telemetry { get; } = new();
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("sos-sample-").FullName;
    private DistributedApplication? _app;

    public async Task InitializeAsync()
    {
        await Telemetry.StartAsync();
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Sos_Sample_AppHost>([$"--Sos:DataDirectory={_dataDirectory}"]);
        Telemetry.ReceiveFrom(appHost);
        _app = await appHost.BuildAsync();
        await AppHostStarts.Gate.WaitAsync();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await _app.StartAsync(timeout.Token);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync("notes", timeout.Token);
        }
        finally
        {
            AppHostStarts.Gate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
        await Telemetry.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task AServiceStoresAndReadsBackThroughTheIntegrationAndItsTraceReachesTheBlobServers()
    {
        // The notes service waited for Sos, and Sos is healthy only while both APIs are.
        Assert.True(_app!.ResourceNotifications.TryGetCurrentState("sos", out var sos), "no state for the sos resource");
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, sos.Snapshot.HealthStatus);

        var text = $"A note of {DateTime.UtcNow:O}, kept in Sos.";
        using var notes = _app.CreateHttpClient("notes");
        using var saved = await notes.PostAsync("/notes", new StringContent(text, Encoding.UTF8));
        Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        var note = await saved.Content.ReadFromJsonAsync<SavedNote>();
        Assert.Equal(SosAppFixture.Sha1Hex(Encoding.UTF8.GetBytes(text)), note!.Id);

        using var read = await notes.GetAsync($"/notes/{note.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(text, await read.Content.ReadAsStringAsync());

        // The service's own span for the upload, and under the same trace the blob servers' stores.
        var spans = await Telemetry.WaitForAsync(
            received => ClientUpload(received) is { } upload
                && received.Count(span => span.TraceId == upload.TraceId && span.Name == "sos.blob.store") >= 2,
            ExportTimeout);
        var upload = ClientUpload(spans);
        Assert.True(upload is not null, $"no sos.client.upload span from notes among {spans.Count} spans from {string.Join(", ", spans.Select(s => s.Service).Distinct())}");
        var trace = spans.Where(span => span.TraceId == upload.TraceId).ToList();
        foreach (var span in trace)
        {
            output.WriteLine($"{span.Service,-8} {span.Name,-28} {span.SpanId} <- {span.ParentSpanId}");
        }
        Assert.Contains(trace, span => span.Service == "upload" && span.Name == "sos.upload");
        var stores = trace.Where(span => span.Name == "sos.blob.store").Select(span => span.Service).Distinct().ToList();
        Assert.True(stores.Count >= 2, $"stores on {stores.Count} blob servers under the service's trace");
        Assert.All(stores, service => Assert.StartsWith("blob", service, StringComparison.Ordinal));
    }

    private static ExportedSpan? ClientUpload(IEnumerable<ExportedSpan> spans) =>
        spans.FirstOrDefault(span => span.Service == "notes" && span.Name == "sos.client.upload");

    private sealed record SavedNote(string Id, long Size);
}
