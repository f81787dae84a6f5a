namespace Sos.Core.Placement;

/// <summary>
/// One blob server as the rest of the system sees it: a service-discovery address such as
/// <c>http://blob0</c>, or a plain URL outside Aspire. Its <see cref="Name"/> is what placement
/// hashes: by default the address's authority (under Aspire the resource name alone, so an
/// object's place does not depend on the port a server happens to run on today).
/// </summary>
public sealed record BlobServer(string Name, Uri BaseAddress)
{
    /// <summary>
    /// The failure domain (zone, rack, host) the server is in, if groups are declared:
    /// placement spreads an object's copies over zones before it puts two in one.
    /// </summary>
    public string? Zone { get; init; }

    /// <summary>The server's data directory as this process can read it, if it can (see <see cref="BlobServers.BlobClusterOptions.Volumes"/>).</summary>
    public string? Volume { get; init; }

    /// <summary>
    /// Parses <c>http://host[:port]</c>, <c>host[:port]</c>, or <c>name=http://host:port</c>: the
    /// last names a server reached at another address (say from outside Aspire, where blob0
    /// answers on a local port) so that it keeps the placement it has inside the cluster.
    /// </summary>
    public static BlobServer Parse(string address)
    {
        var text = address.Trim();
        string? name = null;
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            name = text[..equals].Trim();
            text = text[(equals + 1)..].Trim();
        }
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || name is "")
        {
            throw new FormatException($"'{address}' is not a blob server address (expected http://host[:port] or name=http://host[:port]).");
        }
        var baseAddress = new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
        return new BlobServer(name ?? baseAddress.Authority, baseAddress);
    }

    public override string ToString() => Name;
}
