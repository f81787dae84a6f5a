using Sos.Core.BlobServers;

namespace Sos.Core.Cluster;

/// <summary>
/// A server's answer to "when did the replicator last see you": <see cref="Mark"/> when it keeps
/// marks; answered with no mark when it keeps none (an original sos blob server, which has no
/// <c>/replicator/seen</c>); not answered when the server failed.
/// </summary>
public sealed record SeenMark(bool Answered, ReplicatorMark? Mark);
