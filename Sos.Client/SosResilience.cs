using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Sos.Client;

/// <summary>
/// The client's one retry policy. Reads (GET, HEAD) are retried on transient failures; an upload
/// only when its body can be sent again from the start (a file, or any seekable stream): a
/// streamed body that was partly sent cannot be replayed. Uploads are idempotent by content, so a
/// replayed upload that had in fact succeeded stores nothing twice. A delete (DELETE) has no body
/// and is idempotent too: one that reached some blob servers before a 503 or a lost connection is
/// completed by sending it again, and one that had succeeded answers 200 again.
/// </summary>
internal static class SosResilience
{
    public static readonly HttpRequestOptionsKey<bool> Replayable = new("Sos.Client.Replayable");

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) =>
        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = 3,
            Delay = TimeSpan.FromMilliseconds(250),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            ShouldHandle = args => ValueTask.FromResult(
                HttpClientResiliencePredicates.IsTransient(args.Outcome) && CanReplay(args.Context.GetRequestMessage())),
        });

    public static ResiliencePipeline<HttpResponseMessage> Build()
    {
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        Configure(builder);
        return builder.Build();
    }

    private static bool CanReplay(HttpRequestMessage? request) =>
        request is not null
        && (request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Delete
            || (request.Options.TryGetValue(Replayable, out var replayable) && replayable));
}
