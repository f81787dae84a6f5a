using System.ComponentModel.DataAnnotations;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

public sealed class BlobStoreOptions
{
    public const string SectionName = "BlobStore";

    /// <summary>Where this server keeps its objects. The AppHost gives each blob server its own.</summary>
    [Required]
    public string Root { get; set; } = "data";

    /// <summary>The largest object accepted, in bytes (5 GiB by default).</summary>
    [Range(1, long.MaxValue)]
    public long MaxObjectBytes { get; set; } = ObjectLimits.DefaultMaxObjectBytes;

    /// <summary>Below this much free disk, in bytes, writes are refused (507) while reads go on.</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>
    /// How fast the background scrub re-reads and re-hashes the stored copies, in bytes per
    /// second (50 MiB/s by default); 0 turns the scrub off.
    /// </summary>
    [Range(0, long.MaxValue)]
    public long ScrubBytesPerSecond { get; set; } = 50L * 1024 * 1024;

    /// <summary>
    /// Objects up to this size, in bytes (1 MiB by default), are made durable by group commit:
    /// concurrent writes share their flushes. Larger ones flush their own files, so that the
    /// shared flush never has to write out a big object's bytes (or anything else dirty on the disk).
    /// </summary>
    [Range(0, long.MaxValue)]
    public long GroupCommitMaxBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The size, in bytes, past which a segment of the small-object log is closed and the next one
    /// started (64 MiB by default). A segment is deleted once nothing in it is live.
    /// </summary>
    [Range(64 * 1024, 1024L * 1024 * 1024)]
    public long LogSegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// How often the inbox (small copies written straight to this server's disk by an upload API
    /// on its machine) is looked at for new copies to adopt, and whether to hold it open (200 ms by
    /// default). A lookup of an id the store lacks adopts what is new at once, so this bounds how
    /// long a copy stays out of the log, not when it is found. Each pass costs a wake-up and a flush
    /// of the log whatever it carries: under a steady load of small uploads, passes every 50 ms cost
    /// the server about a fifth less CPU per copy than every 20 ms, and every 200 ms about a sixth
    /// less again; an idle server took 0.8% of a core with passes every 50 ms, 0.4% with these.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan InboxInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The pause between the end of one full scrub and the start of the next.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "24855.00:00:00")]
    public TimeSpan ScrubInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long a copy removed by the replicator stays in <c>root/.trash</c> before it is unlinked.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "24855.00:00:00")]
    public TimeSpan TrashRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The wait after start before the first scrub. A server with no scrub to resume waits a further
    /// offset within <see cref="ScrubInterval"/> derived from its identity, so servers started
    /// together do not all scrub at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "24855.00:00:00")]
    public TimeSpan ScrubStartDelay { get; set; } = TimeSpan.FromMinutes(1);
}
