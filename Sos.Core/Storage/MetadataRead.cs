namespace Sos.Core.Storage;

/// <summary>
/// What a read of a <c>.meta</c> found, and which file it read (to quarantine that one only).
/// <see cref="Chunks"/> is null for copies written before chunk sums were recorded.
/// </summary>
public sealed record MetadataRead(MetadataState State, Dictionary<string, string> Metadata, FileIdentity? File, ChunkSums? Chunks);
