using Microsoft.AspNetCore.Http.HttpResults;
using Sos.Core.Objects;

namespace Sos.UploadApi.Deletes;

/// <summary>
/// <c>DELETE /upload/{id}</c>: on the writer side only (the download API has no way to delete).
/// Content addressing means one id for everyone who uploaded those bytes: deleting it deletes it
/// for all of them. Idempotent: deleting a deleted id answers 200 again.
/// </summary>
public static class DeleteEndpoints
{
    public static RouteGroupBuilder MapDeleteEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapDelete("/upload/{id}", Delete);
        return group;
    }

    private static async Task<Results<Ok<DeletedObject>, ProblemHttpResult>> Delete(string id, ObjectDeleter deleter, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return TypedResults.Problem("That is not an object id: ids are 40 lowercase hex characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
        }
        var result = await deleter.DeleteAsync(objectId, cancellationToken);
        return result.Outcome switch
        {
            DeleteOutcome.Deleted => TypedResults.Ok(new DeletedObject(id, "deleted", result.Stamp!.Value.Time)),
            DeleteOutcome.NeverStored => TypedResults.Problem($"No object has the id {id}.", statusCode: StatusCodes.Status404NotFound, title: "Not found"),
            // Which servers failed, and why, is in the logs and the trace.
            _ => TypedResults.Problem(
                $"Too few storage servers could record the delete right now ({result.DurableTombstones} of the {result.RequiredTombstones} it needs), so it is not acknowledged. Try again later.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Storage unavailable"),
        };
    }
}
