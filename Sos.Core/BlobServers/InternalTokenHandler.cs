using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Sos.Core.Security;

namespace Sos.Core.BlobServers;

/// <summary>Presents the cluster's internal token on every request to a blob server.</summary>
internal sealed class InternalTokenHandler(IOptions<InternalTokenOptions> options) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (options.Value.IsRequired && request.Headers.Authorization is null)
        {
            request.Headers.Authorization = AuthenticationHeaderValue.Parse(SharedSecret.ToBearer(options.Value.InternalToken!));
        }
        return base.SendAsync(request, cancellationToken);
    }
}
