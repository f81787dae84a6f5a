namespace Sos.Core.Cluster;

/// <summary>Whether one server holds a copy; <see cref="Length"/> is the length it reports, when it does.</summary>
public sealed record CopyPresence(CopyStatus Status, long? Length);
