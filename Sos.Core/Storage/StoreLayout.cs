using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Where a blob server keeps a copy that is a file of its own and a delete it recorded, below its
/// root: what the server writes and what anyone given its volume read-only can read.
/// </summary>
public static class StoreLayout
{
    /// <summary>A copy's metadata and chunk sums sit beside its bytes, under its name with this suffix (see <see cref="MetadataFile"/>).</summary>
    public const string MetadataSuffix = ".meta";

    /// <summary>The folder of tombstones: one file per deleted id, named by the id, holding the delete's timestamp.</summary>
    public const string TombstoneFolder = ".tombstones";

    /// <summary>The path of the copy's bytes.</summary>
    public static string DataPath(string root, ObjectId id) => Path.Combine(root, ShardLayout.RelativePath(id));

    /// <summary>The path of the id's tombstone.</summary>
    public static string TombstonePath(string root, ObjectId id) => Path.Combine(root, TombstoneFolder, id.ToString());
}
