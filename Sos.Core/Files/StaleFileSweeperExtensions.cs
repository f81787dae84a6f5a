using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sos.Core.Files;

public static class StaleFileSweeperExtensions
{
    /// <summary>Sweeps <paramref name="directory"/> every <paramref name="period"/>, starting at start-up.</summary>
    public static IServiceCollection AddStaleFileSweeper(this IServiceCollection services, Func<IServiceProvider, string> directory, TimeSpan maxAge, TimeSpan period) =>
        services.AddSingleton<IHostedService>(provider =>
            new StaleFileSweeper(directory(provider), maxAge, period, provider.GetRequiredService<ILogger<StaleFileSweeper>>()));
}
