using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Sos.Replicator.Control;

/// <summary>
/// The replicator's only HTTP surface, served in interval mode when the host gives it an
/// address (the AppHost does): a request for a pass now, behind the dashboard's "Replicate now".
/// </summary>
internal static class ReplicatorEndpoints
{
    public static RouteGroupBuilder MapReplicatorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapPost("/replicate", RequestPass);
        return group;
    }

    private static Accepted<PassRequested> RequestPass(PassTrigger trigger)
    {
        trigger.Request();
        return TypedResults.Accepted((string?)null, new PassRequested("A pass starts now, or as soon as the running one ends."));
    }

    internal sealed record PassRequested(string Status);
}
