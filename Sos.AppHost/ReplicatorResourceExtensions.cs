using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Sos.AppHost;

/// <summary>
/// The repair loop in the dashboard: the blob servers' scrub finds rotten copies, the replicator
/// restores them, and the replicator resource shows its last pass and takes "Replicate now".
/// </summary>
internal static class ReplicatorResourceExtensions
{
    private const string ReplicateNowCommand = "replicate-now";

    /// <summary>
    /// Gives the replicator an HTTP endpoint (its health is the last pass's verdict) and a
    /// "Replicate now" command that asks it for a pass without waiting for the interval.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithReplicateNowCommand(this IResourceBuilder<ProjectResource> replicator)
    {
        replicator.WithHttpEndpoint().WithHttpHealthCheck("/health");
        var endpoint = replicator.GetEndpoint("http");
        return replicator.WithCommand(ReplicateNowCommand, "Replicate now", async context =>
        {
            var http = context.Services.GetRequiredService<IHttpClientFactory>().CreateClient(ReplicateNowCommand);
            try
            {
                using var response = await http.PostAsync(new Uri(new Uri(endpoint.Url), "/replicate"), content: null, context.CancellationToken);
                return response.IsSuccessStatusCode
                    ? CommandResults.Success()
                    : CommandResults.Failure($"The replicator answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            catch (HttpRequestException ex)
            {
                return CommandResults.Failure($"The replicator could not be reached: {ex.Message}");
            }
        }, new CommandOptions
        {
            Description = "Run a replication pass now instead of at the next interval; its outcome shows in the replicator's health and logs.",
            IconName = "ArrowSync",
            IsHighlighted = true,
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>
    /// Passes the scrub settings <c>Sos:ScrubBytesPerSecond</c>, <c>Sos:ScrubInterval</c> and
    /// <c>Sos:ScrubStartDelay</c> to a blob server when they are set; otherwise the blob server's
    /// defaults hold.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithScrubSettings(this IResourceBuilder<ProjectResource> blobServer, IConfiguration configuration)
    {
        foreach (var name in (string[])["ScrubBytesPerSecond", "ScrubInterval", "ScrubStartDelay"])
        {
            if (configuration[$"Sos:{name}"] is { Length: > 0 } value)
            {
                blobServer.WithEnvironment($"BlobStore__{name}", value.ToString(CultureInfo.InvariantCulture));
            }
        }
        return blobServer;
    }
}
