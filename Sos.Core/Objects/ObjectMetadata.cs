using System.Text;
using Microsoft.Extensions.Primitives;

namespace Sos.Core.Objects;

/// <summary>
/// The <c>X-</c> headers of an upload, kept with the object and returned on download, as in
/// the original sos. Names are canonicalised the way Go's net/http does (<c>X-MIME-Type</c>
/// becomes <c>X-Mime-Type</c>) so both implementations store and answer the same names.
/// </summary>
public static class ObjectMetadata
{
    /// <summary>The metadata header that becomes the download's Content-Type.</summary>
    public const string MimeTypeHeader = "X-Mime-Type";

    /// <summary>The metadata header that names the file the object came from.</summary>
    public const string OriginalFileNameHeader = "X-Orig-Filename";

    public static Dictionary<string, string> CreateEmpty() => new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Picks the metadata out of request or response headers.</summary>
    public static Dictionary<string, string> FromHeaders(IEnumerable<KeyValuePair<string, StringValues>> headers)
    {
        var metadata = CreateEmpty();
        foreach (var (name, values) in headers)
        {
            if (IsMetadataHeader(name) && values.Count > 0)
            {
                metadata[Canonicalize(name)] = values[0] ?? "";
            }
        }
        return metadata;
    }

    /// <summary>Picks the metadata out of what a copy keeps with it, by the same rules as <see cref="FromHeaders"/>.</summary>
    public static Dictionary<string, string> FromStored(IReadOnlyDictionary<string, string>? stored) =>
        FromHeaders((stored ?? CreateEmpty()).Select(entry => KeyValuePair.Create(entry.Key, new StringValues(entry.Value))));

    /// <summary>
    /// Whether a header is kept as metadata (<see cref="MetadataRules.IsStored"/>): every <c>X-</c>
    /// header except those that describe the request rather than the object (<c>X-Real-Ip</c>, the
    /// API key <c>X-Api-Key</c>, the announced digest <c>X-Sos-Sha1</c>) and those the rules refuse.
    /// Refused names are also skipped when metadata is read back, so a copy stored before the rules
    /// existed never hands them to a download.
    /// </summary>
    public static bool IsMetadataHeader(string name) => MetadataRules.IsStored(name);

    public static string Canonicalize(string name)
    {
        var builder = new StringBuilder(name.Length);
        var upper = true;
        foreach (var c in name)
        {
            builder.Append(upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            upper = c == '-';
        }
        return builder.ToString();
    }
}
