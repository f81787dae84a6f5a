using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sos.Core.Cluster;

namespace Sos.Tests.Cluster;

/// <summary>A <see cref="ClusterClient"/> registered as the services register it, over the given blob servers.</summary>
internal static class ClusterHost
{
    public static ServiceProvider Services(IEnumerable<Uri> servers, ILoggerProvider? logs = null, int minCopies = 2)
    {
        var settings = new Dictionary<string, string?> { ["Sos:MinCopies"] = minCopies.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var index = 0;
        foreach (var server in servers)
        {
            settings[$"Sos:BlobServers:{index++}"] = server.ToString();
        }
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            if (logs is not null)
            {
                logging.AddProvider(logs);
            }
        });
        services.AddBlobCluster();
        return services.BuildServiceProvider();
    }
}
