using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Replicator.Control;
using Sos.Replicator.Deletes;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

/// <summary>
/// The replicator as a process: a host for configuration, telemetry and the blob-server client,
/// then one pass (<c>--once</c>) or passes on an interval until the process is asked to stop.
/// </summary>
internal static partial class ReplicatorJob
{
    /// <summary><see cref="Task.Delay(TimeSpan)"/> waits at most this long.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static async Task<int> RunAsync(ReplicatorInvocation invocation, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = Build(invocation);
        if (await StartAsync(host, cancellationToken) is { } problem)
        {
            await error.WriteLineAsync($"Configuration error: {problem}");
            await error.WriteLineAsync("Blob servers come from Sos:BlobServers or --blob-server url,url; see --help.");
            return ExitCodes.UsageError;
        }

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ReplicatorJob).FullName!);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        // System.CommandLine cancels on Ctrl+C and SIGTERM; the host stops on the same signals, and
        // on StopApplication. Either ends the run.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            return invocation.Once
                ? await RunOnceAsync(host.Services, logger, stopping.Token)
                : await RunOnIntervalAsync(host.Services, invocation.Interval, logger, stopping.Token);
        }
        finally
        {
            // Flushes the telemetry of the last pass, also when it was interrupted.
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static IHost Build(ReplicatorInvocation invocation)
    {
        // No args: the command line is System.CommandLine's. Configuration comes from appsettings
        // and the environment, where the AppHost puts Sos__BlobServers__0 and Sos__MinCopies.
        if (invocation.Once || !HasHttpAddress())
        {
            // A cron job or a run by hand listens on nothing.
            var builder = Host.CreateApplicationBuilder();
            Configure(builder, invocation);
            return builder.Build();
        }

        // Interval mode with an address given (the AppHost gives one): the same job, plus a
        // health endpoint that reflects the last pass and POST /replicate for "Replicate now".
        var web = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        Configure(web, invocation);
        var app = web.Build();
        app.MapDefaultEndpoints();
        app.MapReplicatorEndpoints();
        return app;
    }

    private static readonly string[] HttpAddressVariables = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "HTTP_PORTS"];

    private static bool HasHttpAddress() =>
        HttpAddressVariables.Any(name => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(name)));

    private static void Configure(IHostApplicationBuilder builder, ReplicatorInvocation invocation)
    {
        builder.AddServiceDefaults(ReplicatorTelemetry.Name, ClusterTelemetry.Name);
        builder.AddReplicator(invocation);
        builder.Services.AddSingleton<LastPass>();
        builder.Services.AddSingleton<PassTrigger>();
        builder.Services.AddHealthChecks().AddCheck<LastPassHealthCheck>("last-pass");

        // A job read in a terminal or a CI log: one line per event, and no "Press Ctrl+C" banner.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.Configure<ConsoleLifetimeOptions>(options => options.SuppressStatusMessages = true);
        // Every request to a blob server would otherwise log three lines (the client's two and the
        // resilience pipeline's), and every retry a stack trace. Attempts are detail, shown with
        // --verbose; what finally failed is logged by the pass as a warning, and retries show in the
        // resilience metrics.
        builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", invocation.Verbose ? LogLevel.Debug : LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        if (invocation.Verbose)
        {
            builder.Logging.AddFilter(typeof(ReplicatorJob).Namespace, LogLevel.Debug);
        }
    }

    /// <summary>Checks the configuration, then starts the host. Returns what is wrong with the configuration, if anything.</summary>
    private static async Task<string?> StartAsync(IHost host, CancellationToken cancellationToken)
    {
        try
        {
            // Resolving the cluster validates its options now, so a configuration mistake is one
            // clear line rather than the host's "failed to start" with a stack trace.
            var cluster = host.Services.GetRequiredService<BlobCluster>();
            if (cluster.Servers.Count > ReplicationPlanner.MaxServers)
            {
                return $"{cluster.Servers.Count} blob servers; the replicator handles at most {ReplicationPlanner.MaxServers}.";
            }
            await host.StartAsync(cancellationToken);
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return string.Join(" ", ex.Failures);
        }
        catch (FormatException ex)
        {
            return ex.Message; // an address in Sos:BlobServers that is not one
        }
    }

    private static async Task<int> RunOnceAsync(IServiceProvider services, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            var report = await RunPassAsync(services, cancellationToken);
            return ExitCodes.Of(report);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogInterrupted(logger);
            return ExitCodes.BelowMinimum; // an unfinished pass cannot vouch for the store
        }
    }

    private static async Task<int> RunOnIntervalAsync(IServiceProvider services, TimeSpan interval, ILogger logger, CancellationToken cancellationToken)
    {
        LogIntervalMode(logger, interval);
        var trigger = services.GetRequiredService<PassTrigger>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunPassAsync(services, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // A job that runs for months outlives one bad pass: the next starts afresh.
                services.GetRequiredService<LastPass>().Failed(ex);
                LogPassFailed(logger, ex);
            }
            // The wait starts when a pass ends, so passes never overlap however long one takes; a
            // "Replicate now" cuts it short.
            try
            {
                await trigger.WaitAsync(interval, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        LogStopped(logger);
        return ExitCodes.Success; // asked to stop: that is how an interval run ends
    }

    private static async Task<ReplicationReport> RunPassAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        // Deletes first: once every reachable server holds an object's tombstone, it refuses the
        // older copies a repair would bring, and the listing that follows no longer shows them.
        var settings = scope.ServiceProvider.GetRequiredService<ReplicationSettings>();
        var started = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var deletes = await scope.ServiceProvider.GetRequiredService<TombstonePropagation>()
            .RunAsync(started, settings.TombstoneGrace, settings.ListPageSize, settings.DryRun, cancellationToken);
        // Only the servers that took every delete are marked seen: the mark vouches for that.
        var report = await scope.ServiceProvider.GetRequiredService<ReplicationPass>().RunAsync(started, deletes.CaughtUp, cancellationToken);
        services.GetRequiredService<LastPass>().Finished(report);
        return report;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replicating every {Interval} until stopped")]
    private static partial void LogIntervalMode(ILogger logger, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopped before the pass finished")]
    private static partial void LogInterrupted(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "The pass failed; the next one runs after the interval")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped")]
    private static partial void LogStopped(ILogger logger);
}
