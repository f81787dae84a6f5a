using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Where a copy lives under a store's root: <c>ab/c/abc…</c>, the id's first two hex characters,
/// then its third. That is 4,096 shard directories (a billion objects leave about 250,000 files
/// in each), all made once when a store is first opened, so that no write ever creates a
/// directory: on a fresh store a lazily made layout costs most writes a <c>mkdir</c> and a flush
/// of its parent, and writes ran several times slower until the layout had filled in.
/// </summary>
public static class ShardLayout
{
    private const string Hex = "0123456789abcdef";

    /// <summary>The copy's path below the root: <c>ab/c/abc…</c>.</summary>
    public static string RelativePath(string id) => Path.Combine(id[..2], id[2..3], id);

    /// <inheritdoc cref="RelativePath(string)"/>
    public static string RelativePath(ObjectId id) => RelativePath(id.ToString());

    /// <summary>Every shard's path below the root, in ascending order of the ids it holds, from the shard of <paramref name="from"/> on.</summary>
    public static IEnumerable<string> Shards(string? from = null)
    {
        var start = from is null ? 0 : ShardIndex(from);
        for (var shard = start; shard < 4096; shard++)
        {
            yield return Path.Combine(string.Concat(Hex[shard >> 8], Hex[(shard >> 4) & 0xf]), Hex[shard & 0xf].ToString());
        }
    }

    /// <summary>
    /// Makes every shard directory that is missing, flushing each parent that got a new entry
    /// (a directory's entry is durable only once its parent is flushed), then moves copies kept in
    /// the earlier layout, <c>ab/cd/abcd…</c>, into their shards. Returns how many files moved.
    /// </summary>
    internal static int Prepare(string root, Action<string> flushDirectory)
    {
        var created = new HashSet<string>(StringComparer.Ordinal);
        foreach (var shard in Shards())
        {
            var path = Path.Combine(root, shard);
            if (Directory.Exists(path))
            {
                continue;
            }
            var top = Path.GetDirectoryName(path)!;
            if (!Directory.Exists(top))
            {
                Directory.CreateDirectory(top);
                created.Add(root);
            }
            Directory.CreateDirectory(path);
            created.Add(top);
        }
        foreach (var directory in created.Order(StringComparer.Ordinal))
        {
            flushDirectory(directory);
        }
        return MoveEarlierLayout(root, flushDirectory);
    }

    private static int ShardIndex(string id) => (Hex.IndexOf(id[0]) << 8) | (Hex.IndexOf(id[1]) << 4) | Hex.IndexOf(id[2]);

    /// <summary>
    /// Copies of the earlier layout move by rename, metadata first, and each old directory goes
    /// once it is empty. A crash halfway leaves every file under one of its two names, and the
    /// next start moves the rest.
    /// </summary>
    private static int MoveEarlierLayout(string root, Action<string> flushDirectory)
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
                    var name = Path.GetFileName(file);
                    var target = Path.Combine(root, RelativePath(name));
                    File.Move(file, target, overwrite: true);
                    shards.Add(Path.GetDirectoryName(target)!);
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
