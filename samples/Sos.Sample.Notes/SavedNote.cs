namespace Sos.Sample.Notes;

/// <summary>What saving a note answers: its id in Sos and its size.</summary>
internal sealed record SavedNote(string Id, long Size);
