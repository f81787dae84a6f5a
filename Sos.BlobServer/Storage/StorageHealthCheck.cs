using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Healthy when the store's disk takes a write and has room above the floor; unhealthy for good
/// once a flush failed, since the store then takes no writes until it is restarted.
/// </summary>
public sealed class StorageHealthCheck(BlobStore store, IOptions<BlobStoreOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store.Fault is { } fault)
        {
            return HealthCheckResult.Unhealthy("A flush of the data disk failed: this blob server takes no writes until it is restarted.", fault);
        }
        var probe = Path.Combine(store.TempDirectory, $"health.{Guid.NewGuid():N}");
        try
        {
            await File.WriteAllBytesAsync(probe, [1], cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return HealthCheckResult.Unhealthy($"The data directory {store.Root} is not writable.", ex);
        }
        finally
        {
            File.Delete(probe);
        }
        var free = store.FreeBytes();
        var data = new Dictionary<string, object> { ["freeBytes"] = free, ["minFreeBytes"] = options.Value.MinFreeBytes };
        return free < options.Value.MinFreeBytes
            ? HealthCheckResult.Degraded("Free disk is below the floor: writes are refused, reads go on.", data: data)
            : HealthCheckResult.Healthy($"{free} bytes free.", data);
    }
}
