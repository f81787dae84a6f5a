using Microsoft.AspNetCore.Http.HttpResults;
using Sos.BlobServer.Security;

namespace Sos.BlobServer.Leases;

/// <summary><c>PUT</c>/<c>DELETE /leases/{name}</c>: leases for the replicator (its token only).</summary>
public static class LeaseEndpoints
{
    private const int MaxSeconds = 24 * 60 * 60;
    private const int MaxHolderLength = 200;

    public static RouteGroupBuilder MapLeaseEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/leases").RequireReplicatorScope();
        group.MapPut("/{name}", AcquireLease);
        group.MapDelete("/{name}", ReleaseLease);
        return group;
    }

    private static Results<Ok<Lease>, ProblemHttpResult> AcquireLease(string name, LeaseRequest request, LeaseTable leases)
    {
        if (Invalid(name, request.Holder) is { } invalid)
        {
            return invalid;
        }
        if (request.Seconds is < 1 or > MaxSeconds)
        {
            return TypedResults.Problem($"seconds must be between 1 and {MaxSeconds}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid lease");
        }
        var (held, lease) = leases.Acquire(name, request.Holder!, TimeSpan.FromSeconds(request.Seconds));
        return held
            ? TypedResults.Ok(lease)
            : TypedResults.Problem($"The lease '{name}' is held by '{lease.Holder}' until {lease.Expires:O}.", statusCode: StatusCodes.Status409Conflict, title: "Lease held");
    }

    private static Results<NoContent, ProblemHttpResult> ReleaseLease(string name, string? holder, LeaseTable leases)
    {
        if (Invalid(name, holder) is { } invalid)
        {
            return invalid;
        }
        return leases.Release(name, holder!)
            ? TypedResults.NoContent()
            : TypedResults.Problem($"The lease '{name}' is held by another holder.", statusCode: StatusCodes.Status409Conflict, title: "Lease held");
    }

    private static ProblemHttpResult? Invalid(string name, string? holder)
    {
        if (!LeaseTable.IsValidName(name))
        {
            return TypedResults.Problem("Lease names are 1 to 64 letters, digits, '-', '_' or '.'.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid lease");
        }
        if (string.IsNullOrWhiteSpace(holder) || holder.Length > MaxHolderLength)
        {
            return TypedResults.Problem($"A holder (1 to {MaxHolderLength} characters) is required.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid lease");
        }
        return null;
    }
}
