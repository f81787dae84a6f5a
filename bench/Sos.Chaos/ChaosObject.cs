namespace Sos.Chaos;

/// <summary>
/// An acknowledged upload: what every later fetch of <paramref name="Id"/> must serve. Its
/// metadata is the first upload's, the one a re-upload must never change.
/// </summary>
internal sealed record ChaosObject(string Id, ulong Seed, long Size, Dictionary<string, string> Metadata, DateTimeOffset AckedAt);
