using Microsoft.AspNetCore.Http.HttpResults;
using Sos.BlobServer.Security;
using Sos.Core.BlobServers;

namespace Sos.BlobServer.Marks;

/// <summary>
/// <c>GET</c>/<c>PUT /replicator/seen</c>: the replicator's "last seen" mark (its token only).
/// Not in the original sos: a replicator that gets 404 here treats the server as one that keeps no mark.
/// </summary>
public static class MarkEndpoints
{
    public static RouteGroupBuilder MapMarkEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/replicator").RequireReplicatorScope();
        group.MapGet("/seen", ReadMark);
        group.MapPut("/seen", WriteMark);
        return group;
    }

    private static Ok<ReplicatorMark> ReadMark(ReplicatorMarkFile marks) => TypedResults.Ok(marks.Read());

    /// <summary>
    /// Records the mark the body gives, or now by this server's clock when there is none: an
    /// operator who checked a stale server's copies accepts it back this way.
    /// </summary>
    private static Ok<ReplicatorMark> WriteMark(ReplicatorMark? mark, ReplicatorMarkFile marks, TimeProvider time) =>
        TypedResults.Ok(marks.Write(mark?.SeenAt ?? time.GetUtcNow()));
}
