namespace Sos.Core.Cluster;

/// <summary>
/// What a copy says about its object besides the bytes: the whole object's length (null when
/// the server did not say and it was not measured), the copy's modification time, and the
/// object's <c>X-</c> metadata.
/// </summary>
public sealed record ObjectInfo(long? Length, DateTimeOffset? LastModified, IReadOnlyDictionary<string, string> Metadata);
