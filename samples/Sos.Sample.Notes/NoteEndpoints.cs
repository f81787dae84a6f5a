using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Sos.Client;

namespace Sos.Sample.Notes;

/// <summary>Notes kept as Sos objects: a note's id is its object's id.</summary>
internal static class NoteEndpoints
{
    public static RouteGroupBuilder MapNoteEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/notes");
        group.MapPost("/", SaveNote);
        group.MapGet("/{id}", ReadNote);
        return group;
    }

    private static async Task<Created<SavedNote>> SaveNote(HttpRequest request, SosClient sos, CancellationToken cancellationToken)
    {
        var saved = await sos.UploadAsync(request.Body, cancellationToken: cancellationToken);
        return TypedResults.Created($"/notes/{saved.Id}", new SavedNote(saved.Id, saved.Size));
    }

    private static async Task<Results<ContentHttpResult, NotFound>> ReadNote(string id, SosClient sos, CancellationToken cancellationToken)
    {
        using var note = new MemoryStream();
        try
        {
            await sos.DownloadAsync(id, note, cancellationToken: cancellationToken);
        }
        catch (SosNotFoundException)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.Text(Encoding.UTF8.GetString(note.ToArray()), "text/plain");
    }
}
