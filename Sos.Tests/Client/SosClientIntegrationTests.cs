using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Sos.Client;

namespace Sos.Tests.Client;

/// <summary><c>builder.AddSosClient("sos")</c> in a service, against an in-process stand-in for Sos.</summary>
public sealed class SosClientIntegrationTests : IAsyncLifetime
{
    private FakeSos _sos = null!;

    public async Task InitializeAsync() => _sos = await FakeSos.StartAsync(apiKey: "k3y");

    public async Task DisposeAsync() => await _sos.DisposeAsync();

    [Fact]
    public async Task TheConnectionStringGivesAWorkingClientAndAHealthyCheck()
    {
        using var host = Build(new() { ["ConnectionStrings:sos"] = $"Upload={_sos.Url};Download={_sos.Url};Key=k3y" });

        var client = host.Services.GetRequiredService<SosClient>();
        var stored = await client.UploadAsync(new MemoryStream([1, 2, 3]));
        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.True(_sos.Holds(stored.Id));
        Assert.Equal("Bearer k3y", _sos.LastAuthorization);
        Assert.Equal(HealthStatus.Healthy, report.Entries["Sos"].Status);
    }

    [Fact]
    public async Task TheHealthCheckFailsWhenTheDownloadApiIsUnreachable()
    {
        using var host = Build(new()
        {
            ["Aspire:Sos:Client:UploadEndpoint"] = "http://127.0.0.1:9",
            ["Aspire:Sos:Client:DownloadEndpoint"] = "http://127.0.0.1:9",
        });

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Entries["Sos"].Status);
    }

    [Fact]
    public void TheSwitchesTurnTheHealthCheckAndTracingOff()
    {
        using var host = Build(new()
        {
            ["ConnectionStrings:sos"] = $"Upload={_sos.Url};Download={_sos.Url}",
            ["Aspire:Sos:Client:DisableHealthChecks"] = "true",
        }, settings => settings.DisableTracing = true);

        var checks = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>().Value.Registrations;

        Assert.DoesNotContain(checks, check => check.Name == "Sos");
        Assert.NotNull(host.Services.GetRequiredService<SosClient>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Upload=http://localhost:9991")]
    [InlineData("Upload=http://localhost:9991;Download=ftp://localhost")]
    [InlineData("Upload=http://localhost:9991;Download=http://localhost:9992;Bucket=x")]
    public void AMissingOrMalformedConnectionStringIsRefusedAtStart(string? connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        if (connectionString is not null)
        {
            builder.Configuration["ConnectionStrings:sos"] = connectionString;
        }

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddSosClient("sos"));

        Assert.Contains("Sos", error.Message);
    }

    [Fact]
    public async Task AServiceWideStandardResilienceHandlerIsReplacedByTheClientsOwnPolicy()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:sos"] = $"Upload={_sos.Url};Download={_sos.Url};Key=k3y";
        // What the Aspire template's ServiceDefaults does for every client of a service.
        builder.Services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        builder.AddSosClient("sos");
        using var host = builder.Build();
        _sos.FailNextUploads(1);

        await Assert.ThrowsAsync<SosUnavailableException>(() =>
            host.Services.GetRequiredService<SosClient>().UploadAsync(new NonSeekableStream(TestBytes.Random(1000, seed: 1))));

        Assert.Equal(1, _sos.UploadAttempts);
        // One resilience handler in the chain, the client's: the standard one (30 s total timeout,
        // retries of any method) would sit above it.
        var handlers = new List<HttpMessageHandler>();
        for (HttpMessageHandler? handler = host.Services.GetRequiredService<IHttpMessageHandlerFactory>().CreateHandler(SosClient.ActivitySourceName);
             handler is not null;
             handler = (handler as DelegatingHandler)?.InnerHandler)
        {
            handlers.Add(handler);
        }
        Assert.Single(handlers, handler => handler is Microsoft.Extensions.Http.Resilience.ResilienceHandler);
    }

    [Fact]
    public async Task AKeyedClientReadsItsOwnConnectionString()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:archive"] = $"Upload={_sos.Url};Download={_sos.Url};Key=k3y";
        builder.AddKeyedSosClient("archive");
        using var host = builder.Build();

        var stored = await host.Services.GetRequiredKeyedService<SosClient>("archive").UploadAsync(new MemoryStream([4, 5, 6]));

        Assert.True(_sos.Holds(stored.Id));
    }

    private static IHost Build(Dictionary<string, string?> configuration, Action<SosClientSettings>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.AddSosClient("sos", configure);
        return builder.Build();
    }
}
