using System.Collections.Concurrent;
using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Sos.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP endpoint on a free loopback port that keeps the spans and counters the services
/// export to it, so a test sees the traces and metrics the real processes produced, as a collector
/// or the dashboard would. Logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly ConcurrentQueue<(string Service, List<ExportedSum> Sums)> _metricExports = new();
    private WebApplication? _app;

    /// <summary>The base address to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with protocol http/protobuf).</summary>
    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ExportedSpan> Spans => _spans;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        lock (FactoryStarts.Gate)
        {
            _app = builder.Build();
        }
        _app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in OtlpTraceReader.Read(body.ToArray()))
            {
                _spans.Enqueue(span);
            }
            // An empty ExportTraceServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        _app.MapPost("/v1/metrics", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var export in OtlpMetricReader.Read(body.ToArray()).GroupBy(sum => sum.Service))
            {
                _metricExports.Enqueue((export.Key, export.ToList()));
            }
            return Results.Bytes([], "application/x-protobuf");
        });
        _app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await _app.StartAsync();
        Endpoint = new Uri(_app.Urls.Single());
    }

    /// <summary>Waits until the spans received satisfy <paramref name="complete"/>, or the timeout passes.</summary>
    public async Task<IReadOnlyList<ExportedSpan>> WaitForAsync(Func<IReadOnlyList<ExportedSpan>, bool> complete, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var spans = _spans.ToList();
            if (complete(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Aims every project's OTLP exporter at this receiver, with spans sent within a fraction of a
    /// second and, when <paramref name="metricInterval"/> is given, metrics that often (instead of
    /// the SDK's minute). These environment callbacks run after Aspire's own (which aim at the
    /// dashboard), so they win.
    /// </summary>
    public void ReceiveFrom(IDistributedApplicationTestingBuilder appHost, TimeSpan? metricInterval = null)
    {
        foreach (var project in appHost.Resources.OfType<ProjectResource>().ToList())
        {
            var resource = appHost.CreateResourceBuilder(project)
                .WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint.ToString().TrimEnd('/'))
                .WithEnvironment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .WithEnvironment("OTEL_SERVICE_NAME", project.Name)
                .WithEnvironment("OTEL_BSP_SCHEDULE_DELAY", "200");
            if (metricInterval is { } interval)
            {
                resource.WithEnvironment("OTEL_METRIC_EXPORT_INTERVAL", ((long)interval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>
    /// The total of the counter <paramref name="metric"/> of <paramref name="service"/> as of this
    /// call: from the second export that arrives after it (the first may have been collected
    /// before), 0 when the service has never counted any. Throws when no such export comes in time.
    /// </summary>
    public async Task<double> CounterAsync(string service, string metric, TimeSpan timeout)
    {
        var seen = _metricExports.Count;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var exports = _metricExports.ToList();
            var after = exports.Skip(seen).Where(export => export.Service == service).Take(2).ToList();
            if (after.Count == 2)
            {
                var upTo = exports.IndexOf(after[1]);
                var values = exports.Take(upTo + 1)
                    .Where(export => export.Service == service)
                    .SelectMany(export => export.Sums.Where(sum => sum.Name == metric))
                    .ToList();
                // Cumulative: the last export holds the total. Delta: each holds what came since the one before.
                return values.Count == 0 ? 0
                    : values[^1].IsDelta ? values.Sum(sum => sum.Value)
                    : after[1].Sums.FirstOrDefault(sum => sum.Name == metric)?.Value ?? values[^1].Value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{service} exported {after.Count} metric batches in {timeout}, not the 2 needed to read {metric}.");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
