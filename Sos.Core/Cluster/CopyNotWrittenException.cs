namespace Sos.Core.Cluster;

/// <summary>A copy a fan-out could not write; its message is the server's failure, for logs only.</summary>
public sealed class CopyNotWrittenException(string reason) : Exception(reason);
