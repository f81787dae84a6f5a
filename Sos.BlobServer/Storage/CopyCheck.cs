namespace Sos.BlobServer.Storage;

/// <summary>What a full re-read of a copy found. <see cref="Reason"/> says why a bad copy is bad.</summary>
public readonly record struct CopyCheck(CopyState State, long Size, string? Reason);
