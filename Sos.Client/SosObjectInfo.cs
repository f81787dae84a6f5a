namespace Sos.Client;

/// <summary>What the download API says about an object.</summary>
/// <param name="Id">The object's id.</param>
/// <param name="Size">The whole object's size in bytes (also after a range download).</param>
/// <param name="ContentType">The <c>Content-Type</c> it is served with (from <c>X-Mime-Type</c> when one was uploaded).</param>
/// <param name="Metadata">The <c>X-</c> headers stored with it at its first upload, names as Sos returns them.</param>
public sealed record SosObjectInfo(string Id, long Size, string? ContentType, IReadOnlyDictionary<string, string> Metadata);
