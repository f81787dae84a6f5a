namespace Sos.Core.BlobServers;

/// <summary>
/// A Sos blob server checks a whole copy as it sends it (<c>chunks</c>: each chunk against the
/// checksum recorded when the copy was written; <c>sha1</c>: the whole against its id, for copies
/// older than those checksums), cuts the body short when it does not match, and says so with
/// <see cref="Name"/>: the reader need not hash the bytes a second time. A server that does not
/// (an original sos one) leaves the check to the reader.
/// </summary>
public static class VerifiedStreamHeader
{
    /// <summary>Not an X- header: those are the object's metadata.</summary>
    public const string Name = "Sos-Verified-Stream";
}
