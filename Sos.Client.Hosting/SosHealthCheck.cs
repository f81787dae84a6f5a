using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sos.Client;

/// <summary>Healthy while the download API's own <c>/health</c> answers success: Sos can serve reads.</summary>
internal sealed class SosHealthCheck(HttpClient http, Uri downloadEndpoint) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var health = new Uri(downloadEndpoint, "/health");
        try
        {
            using var response = await http.GetAsync(health, cancellationToken);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"The Sos download API at {health} answered {(int)response.StatusCode}.");
        }
        catch (HttpRequestException ex)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The Sos download API at {health} is unreachable.", ex);
        }
    }
}
