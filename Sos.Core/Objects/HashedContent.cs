namespace Sos.Core.Objects;

/// <summary>What a hashing copy saw: the id of the bytes and how many there were.</summary>
public readonly record struct HashedContent(ObjectId Id, long Size);
