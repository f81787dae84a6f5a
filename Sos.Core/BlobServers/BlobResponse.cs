using System.Net;
using System.Net.Http.Headers;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Core.BlobServers;

/// <summary>A blob server's answer for one copy: its length, metadata and (for GET) its bytes.</summary>
public sealed class BlobResponse(BlobServer server, HttpResponseMessage response) : IDisposable
{
    public BlobServer Server { get; } = server;

    /// <summary>200 for a whole copy, 206 for a range of it, 416 for a range past its end.</summary>
    public HttpStatusCode StatusCode => response.StatusCode;

    /// <summary>For 206 the range sent and the whole length; for 416 the whole length alone.</summary>
    public ContentRangeHeaderValue? ContentRange => response.Content.Headers.ContentRange;

    public long? Length => response.Content.Headers.ContentLength;

    public DateTimeOffset? LastModified => response.Content.Headers.LastModified;

    public Dictionary<string, string> Metadata { get; } = ObjectMetadata.FromHeaders(
        response.Headers.Concat(response.Content.Headers).Select(header => KeyValuePair.Create(header.Key, new Microsoft.Extensions.Primitives.StringValues([.. header.Value]))));

    /// <summary>
    /// A Sos blob server checks a whole copy against its id as it sends it and cuts the body
    /// short when it does not match, and says so with <see cref="VerifiedStreamHeader"/>; the
    /// reader need not hash the bytes a second time. A server that does not (an original sos
    /// one) leaves the check to the reader.
    /// </summary>
    public bool IsVerifiedAsItStreams => response.Headers.Contains(VerifiedStreamHeader);

    /// <summary>Not an X- header: those are the object's metadata.</summary>
    public const string VerifiedStreamHeader = "Sos-Verified-Stream";

    public Task<Stream> ReadAsync(CancellationToken cancellationToken) => response.Content.ReadAsStreamAsync(cancellationToken);

    public void Dispose() => response.Dispose();
}
