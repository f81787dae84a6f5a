using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sos.Core.Cluster;
using Sos.Tests.Fakes;

namespace Sos.Tests.Cluster;

public sealed class ClusterLoggingTests
{
    [Fact]
    public async Task RetriedAttemptsLogAtDebugAndTheFailureOnceAtWarning()
    {
        var down = await DeadAddressAsync();
        var logs = new ListLoggerProvider();
        await using var services = ClusterHost.Services([down], logs);
        var cluster = services.GetRequiredService<ClusterClient>();

        var presence = await cluster.HasCopyAsync(cluster.Servers[0], TestBytes.IdOf([1]), CancellationToken.None);

        Assert.Equal(CopyStatus.Unavailable, presence.Status);
        var lines = logs.Lines.ToList();
        // The retries happened (three tries of a HEAD), each logged, none above Debug.
        Assert.True(lines.Count(line => line.Category.StartsWith("Polly", StringComparison.Ordinal)) >= 2, string.Join("\n", lines));
        Assert.DoesNotContain(lines, line => line.Category.StartsWith("Polly", StringComparison.Ordinal) && line.Level > LogLevel.Debug);
        Assert.Single(lines, line => line.Level == LogLevel.Warning);
    }

    /// <summary>An address where nothing listens: a server started and stopped.</summary>
    internal static async Task<Uri> DeadAddressAsync()
    {
        var server = await OriginalBlobServer.StartAsync();
        var address = server.Address;
        await server.DisposeAsync();
        return address;
    }
}
