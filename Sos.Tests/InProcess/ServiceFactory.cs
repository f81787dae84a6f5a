using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sos.Tests.InProcess;

/// <summary>
/// One Sos service, its real <c>Program</c> run in this process on Kestrel at a free loopback port,
/// configured only through configuration keys (the same ones the AppHost sets as environment
/// variables), so the test sees exactly the pipeline a deployment runs and none of its wiring.
/// <typeparamref name="TEntryPoint"/> is any public type of the service's assembly.
/// </summary>
internal sealed class ServiceFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>
    where TEntryPoint : class
{
    private readonly Dictionary<string, string?> _settings;

    public ServiceFactory(IReadOnlyDictionary<string, string?> settings)
    {
        // A setting given as null is left out, so the service's own default applies.
        _settings = new Dictionary<string, string?>(settings.Where(setting => setting.Value is not null))
        {
            // Test output stays readable: the services' warnings and errors only.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        // Kestrel with no port given here: UseKestrel(port) rewrites the server's addresses after
        // the program has built its host, racing the program starting Kestrel on its own thread.
        // The loopback address with port 0 goes in as a setting instead, read before the start.
        UseKestrel();
    }

    /// <summary>The address the service listens on, once <see cref="Start"/> has run.</summary>
    public Uri Address { get; private set; } = null!;

    public Uri Start()
    {
        lock (FactoryStarts.Gate)
        {
            StartServer();
        }
        var addresses = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        // Kestrel may report the wildcard or localhost; the loopback address is what a client dials.
        var port = new Uri(addresses.First()).Port;
        Address = new Uri($"http://127.0.0.1:{port}/");
        return Address;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder) =>
        // Added after the service's own sources, so these win over its appsettings.json.
        builder.UseUrls("http://127.0.0.1:0")
            .ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
}
