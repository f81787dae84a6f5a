using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>The health of a <see cref="SosResource"/>: healthy while both the upload and the download API are.</summary>
internal sealed class SosHealthCheck(ResourceNotificationService notifications, SosCluster cluster) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var unhealthy = new[] { cluster.Upload.Resource, cluster.Download.Resource }
            .Where(api => !notifications.TryGetCurrentState(api.Name, out var state) || state.Snapshot.HealthStatus != HealthStatus.Healthy)
            .Select(api => api.Name)
            .ToList();
        return Task.FromResult(unhealthy.Count == 0
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"Not healthy yet: {string.Join(", ", unhealthy)}."));
    }
}
