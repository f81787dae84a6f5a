using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Where a copy lives under a store's root: <c>ab/c/abc…</c>, the id's first two hex characters,
/// then its third. That is 4,096 shard directories (a billion objects leave about 250,000 files
/// in each), each made by the first write into it. The store remembers which exist, so a write
/// looks for its shard only until it is made; making one costs a <c>mkdir</c> and, where the
/// commit does not flush the whole file system, a flush of its parents.
/// </summary>
public static class ShardLayout
{
    private const string Hex = "0123456789abcdef";

    /// <summary>How many shard directories there are.</summary>
    public const int Count = 4096;

    /// <summary>The copy's path below the root: <c>ab/c/abc…</c>.</summary>
    public static string RelativePath(string id) => Path.Combine(id[..2], id[2..3], id);

    /// <inheritdoc cref="RelativePath(string)"/>
    public static string RelativePath(ObjectId id) => RelativePath(id.ToString());

    /// <summary>The shard an id falls in, 0 to <see cref="Count"/> - 1, in ascending order of the ids.</summary>
    public static int IndexOf(string id) => (Hex.IndexOf(id[0]) << 8) | (Hex.IndexOf(id[1]) << 4) | Hex.IndexOf(id[2]);

    /// <summary>The path below the root of shard <paramref name="index"/>: <c>ab/c</c>.</summary>
    public static string Shard(int index) =>
        Path.Combine(string.Concat(Hex[index >> 8], Hex[(index >> 4) & 0xf]), Hex[index & 0xf].ToString());

    /// <summary>Every shard's path below the root, in ascending order of the ids it holds, from the shard of <paramref name="from"/> on.</summary>
    public static IEnumerable<string> Shards(string? from = null)
    {
        for (var index = from is null ? 0 : IndexOf(from); index < Count; index++)
        {
            yield return Shard(index);
        }
    }

    /// <summary>
    /// Moves copies kept in the earlier layout, <c>ab/cd/abcd…</c>, into their shards (made with
    /// <paramref name="createDirectory"/>, which makes them durable), metadata first. A crash
    /// halfway leaves every file under one of its two names, and the next start moves the rest.
    /// Returns how many files moved.
    /// </summary>
    internal static int MoveEarlierLayout(string root, Action<string> createDirectory, Action<string> flushDirectory)
    {
        var moved = 0;
        foreach (var top in Directory.EnumerateDirectories(root).Where(path => IsHex(Path.GetFileName(path), 2)))
        {
            foreach (var earlier in Directory.EnumerateDirectories(top).Where(path => IsHex(Path.GetFileName(path), 2)).ToList())
            {
                // Metadata first: a copy's bytes are never in a shard without their metadata.
                var files = Directory.EnumerateFiles(earlier)
                    .Where(path => ObjectId.TryParse(Path.GetFileName(path).Split('.')[0], out _))
                    .OrderBy(path => path.EndsWith(BlobStore.MetadataSuffix, StringComparison.Ordinal) ? 0 : 1)
                    .ToList();
                var shards = new HashSet<string>(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    var target = Path.Combine(root, RelativePath(Path.GetFileName(file)));
                    var shard = Path.GetDirectoryName(target)!;
                    if (shards.Add(shard))
                    {
                        createDirectory(shard);
                    }
                    File.Move(file, target, overwrite: true);
                    moved++;
                }
                foreach (var shard in shards)
                {
                    flushDirectory(shard);
                }
                if (!Directory.EnumerateFileSystemEntries(earlier).Any())
                {
                    Directory.Delete(earlier);
                    flushDirectory(top);
                }
            }
        }
        return moved;
    }

    private static bool IsHex(string name, int length) =>
        name.Length == length && name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
