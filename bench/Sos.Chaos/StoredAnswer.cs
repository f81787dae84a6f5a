namespace Sos.Chaos;

/// <summary>The upload API's answer to an upload it acknowledged.</summary>
internal sealed record StoredAnswer(string Id, long Size, string Status);
