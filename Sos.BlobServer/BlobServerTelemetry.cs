using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.BlobServer;

internal static class BlobServerTelemetry
{
    public const string Name = "Sos.BlobServer";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>
    /// A copy that arrived with others (a batched write, or the inbox) is traced as part of the
    /// upload it belongs to, named by <paramref name="traceParent"/>: a span for the copy, and the
    /// store's span under it as a single write has. Nothing when the copy names no upload.
    /// </summary>
    public static (Activity? Copy, Activity? Store) TraceCopy(string name, ActivityKind kind, string? traceParent, Sos.Core.Objects.ObjectId id, int size, ActivityLink[]? links = null)
    {
        // Nothing listens unless traces are exported: the context is not even parsed then.
        if (!Source.HasListeners() || !ActivityContext.TryParse(traceParent, null, out var upload))
        {
            return (null, null);
        }
        var copy = Source.StartActivity(name, kind, upload, links: links);
        var store = copy is null ? null : Source.StartActivity("sos.blob.store", ActivityKind.Internal, copy.Context);
        store?.SetTag("sos.object.id", id.ToString());
        store?.SetTag("sos.object.size", size);
        return (copy, store);
    }

    public static readonly Counter<long> CopiesStored = Meter.CreateCounter<long>(
        "sos.blob.stored", "{copy}", "Copies made durable on this server.");

    public static readonly Counter<long> BytesStored = Meter.CreateCounter<long>(
        "sos.blob.stored_bytes", "By", "Bytes of the copies made durable on this server.");

    public static readonly Counter<long> Quarantined = Meter.CreateCounter<long>(
        "sos.blob.quarantined", "{copy}", "Copies moved to quarantine because their bytes no longer match their id (by reads or the scrub).");

    public static readonly Counter<long> TombstonesWritten = Meter.CreateCounter<long>(
        "sos.blob.tombstones_written", "{tombstone}", "Deletes recorded durably on this server.");

    public static readonly Counter<long> BytesReclaimed = Meter.CreateCounter<long>(
        "sos.blob.reclaimed_bytes", "By", "Bytes of copies moved to the trash because their object was deleted (unlinked after the trash retention).");

    public static readonly Counter<long> InboxAdopted = Meter.CreateCounter<long>(
        "sos.blob.inbox.adopted", "{copy}", "Copies adopted into this server's log from its inbox, where an upload API on its machine wrote them (counted in sos.blob.stored too).");

    public static readonly Histogram<int> CommitBatchSize = Meter.CreateHistogram<int>(
        "sos.blob.commit.batch_size", "{write}", "Writes that entered one group-commit cycle: for files, their bytes share one flush and their renames the next; for the small-object log, one append and one flush.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    public static readonly Histogram<double> CommitFlushDuration = Meter.CreateHistogram<double>(
        "sos.blob.commit.flush_duration", "s", "How long one group-commit flush took (a syncfs or fsync for files, an fdatasync of a segment for the small-object log).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    public static readonly Counter<long> ScrubBytesVerified = Meter.CreateCounter<long>(
        "sos.scrub.bytes_verified", "By", "Bytes re-hashed by the scrub.");

    public static readonly Counter<long> ScrubQuarantined = Meter.CreateCounter<long>(
        "sos.scrub.quarantined", "{copy}", "Copies the scrub found no longer matching their id and quarantined.");
}
