using System.Globalization;
using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Storage;

/// <summary>
/// Where a blob server keeps its copies (files of their own, and the small-object log) and the
/// deletes it recorded, below its root: what the server writes, and what anyone given its volume
/// read-only can read.
/// </summary>
public static class StoreLayout
{
    /// <summary>A copy's metadata and chunk sums sit beside its bytes, under its name with this suffix (see <see cref="MetadataFile"/>).</summary>
    public const string MetadataSuffix = ".meta";

    /// <summary>The folder of tombstones: one file per deleted id, named by the id, holding the delete's timestamp.</summary>
    public const string TombstoneFolder = ".tombstones";

    /// <summary>The folder of the small-object log: segments <c>000001.log</c>, … of records (see <see cref="LogRecord"/>).</summary>
    public const string LogFolder = ".log";

    /// <summary>The suffix of a log segment's file.</summary>
    public const string SegmentSuffix = ".log";

    /// <summary>
    /// In the log's folder, the records a stopped log took out of service without a durable removal
    /// (one "segment offset" a line): a reader of the log must pass over them.
    /// </summary>
    public const string ForgottenFile = "forgotten";

    /// <summary>
    /// The folder of the inbox: small copies written straight to the server's disk by another process
    /// on its machine (the upload API), each writer to segments of its own (<c>&lt;random&gt;.log</c>,
    /// records as in the log), which the server adopts into its log (see <see cref="InboxOpenFile"/>).
    /// </summary>
    public const string InboxFolder = ".inbox";

    /// <summary>
    /// In the inbox's folder, the file the server holds a shared lock on (see <see cref="FileLock"/>)
    /// while it adopts what the inbox receives and takes writes: a writer appends only while its try
    /// at an exclusive lock on it fails. A writer holds a shared lock on a segment while it may append
    /// to it; a segment on which the server gets an exclusive lock is complete, and the server deletes
    /// it once it has adopted it.
    /// </summary>
    public const string InboxOpenFile = "open";

    /// <summary>
    /// In an inbox record's metadata, the <c>traceparent</c> of the upload the copy belongs to, so
    /// that the server traces its adoption as part of that upload. Never a stored name (those begin
    /// with <c>X-</c>): the server takes it out before it stores the copy.
    /// </summary>
    public const string InboxTraceParent = "traceparent";

    /// <summary>The segments in an inbox's folder, by full path (none when it does not exist).</summary>
    public static List<string> InboxSegments(string inboxDirectory) =>
        Directory.Exists(inboxDirectory) ? [.. Directory.EnumerateFiles(inboxDirectory, "*" + SegmentSuffix).Order(StringComparer.Ordinal)] : [];

    /// <summary>The path of log segment <paramref name="number"/> in the log's folder.</summary>
    public static string SegmentPath(string logDirectory, int number) =>
        Path.Combine(logDirectory, number.ToString("D6", CultureInfo.InvariantCulture) + SegmentSuffix);

    /// <summary>The numbers of the log segments in <paramref name="logDirectory"/>, ascending (none when it does not exist).</summary>
    public static List<int> Segments(string logDirectory)
    {
        var numbers = new List<int>();
        if (!Directory.Exists(logDirectory))
        {
            return numbers;
        }
        foreach (var file in Directory.EnumerateFiles(logDirectory, "*" + SegmentSuffix))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number > 0)
            {
                numbers.Add(number);
            }
        }
        numbers.Sort();
        return numbers;
    }

    /// <summary>
    /// The timestamp of the write that made a copy that is a file of its own: the file keeps it as
    /// its modification time (see <see cref="ModificationTimeOf"/>).
    /// </summary>
    public static HybridTimestamp StampOf(DateTime lastWriteTimeUtc) => new(lastWriteTimeUtc.Ticks);

    /// <summary>The modification time a copy written at <paramref name="stamp"/> is given, so that it keeps its write's timestamp.</summary>
    public static DateTime ModificationTimeOf(HybridTimestamp stamp) => new(stamp.Ticks, DateTimeKind.Utc);

    /// <summary>The path of the copy's bytes.</summary>
    public static string DataPath(string root, ObjectId id) => Path.Combine(root, ShardLayout.RelativePath(id));

    /// <summary>The path of the id's tombstone.</summary>
    public static string TombstonePath(string root, ObjectId id) => Path.Combine(root, TombstoneFolder, id.ToString());
}
