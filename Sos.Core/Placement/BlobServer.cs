namespace Sos.Core.Placement;

/// <summary>
/// One blob server as the rest of the system sees it: a service-discovery address such as
/// <c>http://blob0</c> (or a plain URL outside Aspire). Its name, the address's authority, is
/// what placement hashes, so an object's place does not depend on the port it runs on today.
/// </summary>
public sealed record BlobServer(Uri BaseAddress)
{
    public string Name { get; } = BaseAddress.Authority;

    public static BlobServer Parse(string address)
    {
        var text = address.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"'{address}' is not a blob server address (expected http://host[:port]).");
        }
        return new BlobServer(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"));
    }

    public override string ToString() => Name;
}
