namespace Sos.Core.Cluster;

/// <summary>A holder's verdict on its copy after re-hashing it; <see cref="Size"/> is set for a good copy.</summary>
public sealed record CopyVerification(VerifyStatus Status, long? Size);
