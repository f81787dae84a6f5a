using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>The store's earlier layout of copies, <c>ab/cd/abcd…</c>, which a start moves into today's shards (see <see cref="ShardLayout"/>).</summary>
internal static class EarlierLayout
{
    /// <summary>
    /// Moves copies kept in the earlier layout, <c>ab/cd/abcd…</c>, into their shards (made with
    /// <paramref name="createDirectory"/>, which makes them durable), metadata first. A crash
    /// halfway leaves every file under one of its two names, and the next start moves the rest.
    /// Returns how many files moved.
    /// </summary>
    public static int Move(string root, Action<string> createDirectory, Action<string> flushDirectory)
    {
        var moved = 0;
        foreach (var top in Directory.EnumerateDirectories(root).Where(path => IsHex(Path.GetFileName(path), 2)))
        {
            foreach (var earlier in Directory.EnumerateDirectories(top).Where(path => IsHex(Path.GetFileName(path), 2)).ToList())
            {
                // Metadata first: a copy's bytes are never in a shard without their metadata.
                var files = Directory.EnumerateFiles(earlier)
                    .Where(path => ObjectId.TryParse(Path.GetFileName(path).Split('.')[0], out _))
                    .OrderBy(path => path.EndsWith(StoreLayout.MetadataSuffix, StringComparison.Ordinal) ? 0 : 1)
                    .ToList();
                var shards = new HashSet<string>(StringComparer.Ordinal);
                foreach (var file in files)
                {
                    var target = Path.Combine(root, ShardLayout.RelativePath(Path.GetFileName(file)));
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
