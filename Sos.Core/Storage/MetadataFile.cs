using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// A copy's <c>.meta</c>: a header line <c>sos-meta-2 &lt;sha-256 of the rest, hex&gt;</c>, a line
/// <c>chunks &lt;length&gt; &lt;chunk sums, hex&gt;</c>, then the metadata as a JSON object. The checksum
/// is made when the copy is written and checked on every read, so damaged metadata is found (and
/// the copy quarantined) instead of served as empty. Older files are read too: <c>sos-meta-1</c>
/// (checksum, no chunk sums) and bare JSON (written before checksums, accepted when it parses,
/// since nothing else can be known about it).
/// </summary>
public static class MetadataFile
{
    private const string Header = "sos-meta-2 ";
    private const string HeaderWithoutChunks = "sos-meta-1 ";
    private const string ChunksLine = "chunks ";
    private const int MaxBytes = 1024 * 1024; // far above any metadata the APIs accept

    /// <summary>Writes <paramref name="metadata"/> and <paramref name="chunks"/>; with <paramref name="flush"/>, makes them durable through the handle that wrote them.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> metadata, ChunkSums chunks, bool flush)
    {
        using var file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        // One write: header and body together.
        RandomAccess.Write(file, Serialize(metadata, chunks), fileOffset: 0);
        if (flush)
        {
            RandomAccess.FlushToDisk(file);
        }
    }

    /// <summary>The file's bytes for <paramref name="metadata"/> and <paramref name="chunks"/>: what <see cref="Write"/> writes, and what a log record holds.</summary>
    public static byte[] Serialize(IReadOnlyDictionary<string, string> metadata, ChunkSums chunks)
    {
        var body = Encoding.ASCII.GetBytes($"{ChunksLine}{chunks}\n").Concat(JsonSerializer.SerializeToUtf8Bytes(metadata)).ToArray();
        var header = Encoding.ASCII.GetBytes($"{Header}{Convert.ToHexStringLower(SHA256.HashData(body))}\n");
        return [.. header, .. body];
    }

    /// <summary>Checks bytes read from elsewhere than a file of their own (a log record).</summary>
    public static MetadataRead FromBytes(ReadOnlySpan<byte> bytes) =>
        bytes.Length <= MaxBytes && Parse(bytes, out var chunks) is { } metadata
            ? new MetadataRead(MetadataState.Intact, metadata, null, chunks)
            : Damaged(null);

    /// <summary>True when the file is whole and holds chunk sums: a copy whose metadata is to be kept as it is.</summary>
    public static bool IsCompleteAndIntact(string path) => Read(path) is { State: MetadataState.Intact, Chunks: not null };

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
            return new MetadataRead(MetadataState.Missing, ObjectMetadata.CreateEmpty(), null, null);
        }
        using (file)
        {
            var identity = FileIdentity.Of(file.SafeFileHandle);
            try
            {
                if (file.Length > MaxBytes)
                {
                    return Damaged(identity);
                }
                var bytes = new byte[file.Length];
                file.ReadExactly(bytes);
                return Parse(bytes, out var chunks) is { } metadata
                    ? new MetadataRead(MetadataState.Intact, metadata, identity, chunks)
                    : Damaged(identity);
            }
            catch (IOException)
            {
                return Damaged(identity); // unreadable counts as damaged: it cannot be vouched for
            }
        }
    }

    private static MetadataRead Damaged(FileIdentity? identity) => new(MetadataState.Damaged, ObjectMetadata.CreateEmpty(), identity, null);

    private static Dictionary<string, string>? Parse(ReadOnlySpan<byte> bytes, out ChunkSums? chunks)
    {
        chunks = null;
        var json = bytes;
        var withChunks = bytes.StartsWith(Encoding.ASCII.GetBytes(Header));
        if (withChunks || bytes.StartsWith(Encoding.ASCII.GetBytes(HeaderWithoutChunks)))
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
            if (withChunks)
            {
                var line = json.IndexOf((byte)'\n');
                if (line < 0 || !json.StartsWith(Encoding.ASCII.GetBytes(ChunksLine)))
                {
                    return null;
                }
                chunks = ChunkSums.Parse(Encoding.ASCII.GetString(json[ChunksLine.Length..line]));
                if (chunks is null)
                {
                    return null;
                }
                json = json[(line + 1)..];
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
