using System.Net;
using Sos.Core.Placement;

namespace Sos.Core.BlobServers;

/// <summary>A blob server answered, but not with success.</summary>
public sealed class BlobServerException(BlobServer server, HttpStatusCode status, string detail)
    : Exception($"Blob server {server.Name} answered {(int)status} {status}: {detail}")
{
    public BlobServer Server { get; } = server;
    public HttpStatusCode Status { get; } = status;
}
