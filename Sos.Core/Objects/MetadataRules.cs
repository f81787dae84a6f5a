using Microsoft.Extensions.Primitives;

namespace Sos.Core.Objects;

/// <summary>
/// What an object's metadata may hold, checked the same way wherever metadata is written (the
/// upload API before it reads a body, a blob server before it stores a copy). Metadata is sent
/// back on every download of the object, to everyone: so a value must survive every HTTP hop
/// unchanged (visible ASCII, spaces and tabs), and a name must not be one that a proxy or a
/// browser in front of the download API would act on.
/// </summary>
public static class MetadataRules
{
    /// <summary>
    /// The id the client announces for its body (40 hex characters): an instruction to the upload
    /// API, checked against the bytes and never stored.
    /// </summary>
    public const string Sha1Header = "X-Sos-Sha1";

    /// <summary>The prefix Sos keeps for its own headers; clients may send only <see cref="Sha1Header"/> in it.</summary>
    public const string ReservedPrefix = "X-Sos-";

    // nginx acts on X-Accel-Redirect and friends, Apache and lighttpd on X-Sendfile: served back, they
    // would make a proxy in front of the download API serve another file or change its buffering.
    private static readonly string[] ProxyPrefixes = ["X-Accel-", "X-Forwarded-"];

    // Browsers act on these; one stored with an object would loosen the download's own protection.
    private static readonly string[] ActedOnNames = ["X-Sendfile", "X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection"];

    // Not about the object: the connection (X-Real-Ip, set by proxies), a credential (X-Api-Key),
    // an instruction for this one upload (X-Sos-Sha1). Accepted on a request, never stored.
    private static readonly string[] NeverStoredNames = ["X-Api-Key", "X-Real-Ip", Sha1Header];

    /// <summary>
    /// Checks the <c>X-</c> headers of a request that stores an object. Returns null when they may
    /// be stored, or a message for the client that names the first header that may not and says why.
    /// Headers that are not metadata (no <c>X-</c> prefix) are not looked at.
    /// </summary>
    public static string? Check(IEnumerable<KeyValuePair<string, StringValues>> headers)
    {
        foreach (var (name, values) in headers)
        {
            if (CheckName(name) is { } refused)
            {
                return refused;
            }
            if (!IsStored(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (CheckValue(name, value) is { } bad)
                {
                    return bad;
                }
            }
        }
        return null;
    }

    /// <summary>The same check over metadata already picked out of headers (name to value).</summary>
    public static string? Check(IEnumerable<KeyValuePair<string, string>> metadata) =>
        Check(metadata.Select(entry => KeyValuePair.Create(entry.Key, new StringValues(entry.Value))));

    /// <summary>
    /// Whether a header with this name is kept as metadata: every <c>X-</c> header that is neither
    /// refused nor one of the few that describe the request rather than the object.
    /// </summary>
    public static bool IsStored(string name) =>
        name.StartsWith("X-", StringComparison.OrdinalIgnoreCase)
        && !IsOneOf(name, NeverStoredNames)
        && !IsRefused(name);

    /// <summary>Why a header of this name may not be sent with an upload, or null when it may.</summary>
    private static string? CheckName(string name)
    {
        if (!IsRefused(name))
        {
            return null;
        }
        if (!IsReserved(name))
        {
            return $"The header '{name}' cannot be stored with an object: proxies or browsers act on it, so it would change how every "
                + "download of the object is served. Send it without that header.";
        }
        return $"The header '{name}' is in the {ReservedPrefix} prefix that Sos keeps for itself; of those an upload may send only "
            + $"{Sha1Header} (the SHA-1 of the body, which is checked and not stored).";
    }

    // Called for every header of every upload and every blob-server answer: plain loops, no allocation.
    private static bool IsRefused(string name)
    {
        foreach (var prefix in ProxyPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return IsOneOf(name, ActedOnNames) || IsReserved(name);
    }

    private static bool IsReserved(string name) =>
        name.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase) && !name.Equals(Sha1Header, StringComparison.OrdinalIgnoreCase);

    private static bool IsOneOf(string name, string[] names)
    {
        foreach (var candidate in names)
        {
            if (name.Equals(candidate, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Why this value cannot be stored, or null when it can: visible ASCII (0x21-0x7E), spaces and tabs only.</summary>
    private static string? CheckValue(string name, string? value)
    {
        var span = (value ?? "").AsSpan();
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c is not (>= '\x21' and <= '\x7e') and not ' ' and not '\t')
            {
                return $"The value of '{name}' has a character that metadata cannot hold (U+{(int)c:X4} at position {i + 1}). "
                    + "Metadata values may contain only visible ASCII characters, spaces and tabs; encode anything else "
                    + "(for example percent-encoding, as in X-Orig-Filename: caf%C3%A9.txt).";
            }
        }
        return null;
    }
}
