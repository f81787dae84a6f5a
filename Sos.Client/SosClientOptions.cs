namespace Sos.Client;

/// <summary>Where a <see cref="SosClient"/> finds Sos, and the key it presents to the upload API.</summary>
public sealed class SosClientOptions
{
    /// <summary>The upload API's base address (<c>POST /upload</c>); Sos listens on port 9991 by default.</summary>
    public Uri UploadEndpoint { get; set; } = new("http://localhost:9991");

    /// <summary>The download API's base address (<c>GET|HEAD /fetch/{id}</c>); Sos listens on port 9992 by default.</summary>
    public Uri DownloadEndpoint { get; set; } = new("http://localhost:9992");

    /// <summary>The upload API key, sent as <c>Authorization: Bearer</c> on uploads only; null when uploads are open.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How long an upload of a file waits for the upload API to say whether it wants the body
    /// (<c>Expect: 100-continue</c>) before sending it anyway. The upload API answers at once, so
    /// this only matters behind a proxy that swallows the interim answer.
    /// </summary>
    public TimeSpan ExpectContinueTimeout { get; set; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        Check(UploadEndpoint, nameof(UploadEndpoint));
        Check(DownloadEndpoint, nameof(DownloadEndpoint));
        if (ExpectContinueTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ExpectContinueTimeout), "must not be negative");
        }

        static void Check(Uri? endpoint, string name)
        {
            if (endpoint is null || !endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"{name} must be an absolute http or https address, not '{endpoint}'.", name);
            }
        }
    }
}
