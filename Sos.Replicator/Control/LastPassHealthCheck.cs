using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sos.Replicator.Control;

/// <summary>
/// The replicator is healthy when its last pass left every object at its minimum copies. A
/// pass that could not list a server, found one stale, left objects short, or found one server
/// configured under two names makes it unhealthy until a pass
/// succeeds: the dashboard then shows at a glance that the store is not whole.
/// </summary>
internal sealed class LastPassHealthCheck(LastPass lastPass) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lastPass.Latest switch
        {
            null => HealthCheckResult.Healthy("No pass has finished yet."),
            { Error: { } error } => HealthCheckResult.Unhealthy($"The last pass failed: {error.Message}", error),
            { Report: { AtMinimum: true } report } => HealthCheckResult.Healthy(
                $"Last pass: {report.Objects} objects, all at {report.MinCopies} copies; {report.Copies} copies made."),
            { Report: { } report } => HealthCheckResult.Unhealthy(
                $"Last pass: {report.UnderReplicatedAfter} objects below {report.MinCopies} copies, "
                + $"{report.UnlistedServers} of {report.Servers} servers not listed, {report.StaleServers.Count} stale, {report.ConfigurationErrors.Count} configuration errors, {report.Failures} failures."),
            _ => HealthCheckResult.Healthy(),
        });
}
