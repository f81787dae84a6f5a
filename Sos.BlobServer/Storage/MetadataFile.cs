using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// A copy's <c>.meta</c>: one header line <c>sos-meta-1 &lt;sha-256 of the rest, hex&gt;</c>, then the
/// metadata as a JSON object. The checksum is made when the copy is written and checked on every
/// read, so damaged metadata is found (and the copy quarantined) instead of served as empty.
/// Files without the header line were written before checksums; they are accepted when they
/// parse, since nothing else can be known about them.
/// </summary>
internal static class MetadataFile
{
    private const string Header = "sos-meta-1 ";
    private const int MaxBytes = 1024 * 1024; // far above any metadata the APIs accept

    /// <summary>Writes <paramref name="metadata"/>; with <paramref name="flush"/>, makes it durable through the handle that wrote it.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> metadata, bool flush)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(metadata);
        var header = Encoding.ASCII.GetBytes($"{Header}{Convert.ToHexStringLower(SHA256.HashData(json))}\n");
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        file.Write(header);
        file.Write(json);
        if (flush)
        {
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>True when the file is missing (no metadata) or whole; false when it is damaged or unreadable.</summary>
    public static bool IsIntact(string path) => Read(path).State != MetadataState.Damaged;

    /// <summary>Reads and checks the file; a missing one is empty metadata.</summary>
    public static MetadataRead Read(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new MetadataRead(MetadataState.Missing, ObjectMetadata.CreateEmpty(), null);
        }
        using (file)
        {
            var identity = Libc.IdentityOf(file.SafeFileHandle);
            try
            {
                if (file.Length > MaxBytes)
                {
                    return Damaged(identity);
                }
                var bytes = new byte[file.Length];
                file.ReadExactly(bytes);
                return Parse(bytes) is { } metadata
                    ? new MetadataRead(MetadataState.Intact, metadata, identity)
                    : Damaged(identity);
            }
            catch (IOException)
            {
                return Damaged(identity); // unreadable counts as damaged: it cannot be vouched for
            }
        }
    }

    private static MetadataRead Damaged(FileIdentity? identity) => new(MetadataState.Damaged, ObjectMetadata.CreateEmpty(), identity);

    private static Dictionary<string, string>? Parse(ReadOnlySpan<byte> bytes)
    {
        var json = bytes;
        if (bytes.StartsWith(Encoding.ASCII.GetBytes(Header)))
        {
            var end = bytes.IndexOf((byte)'\n');
            if (end < 0)
            {
                return null;
            }
            var expected = Encoding.ASCII.GetString(bytes[Header.Length..end]);
            json = bytes[(end + 1)..];
            if (!expected.Equals(Convert.ToHexStringLower(SHA256.HashData(json)), StringComparison.Ordinal))
            {
                return null;
            }
        }
        try
        {
            var stored = JsonSerializer.Deserialize<Dictionary<string, string>>(json);
            if (stored is null)
            {
                return null;
            }
            var metadata = ObjectMetadata.CreateEmpty();
            foreach (var (name, value) in stored)
            {
                metadata[name] = value;
            }
            return metadata;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
