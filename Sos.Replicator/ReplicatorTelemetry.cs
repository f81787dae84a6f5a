using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.Replicator;

/// <summary>
/// The replicator's spans and metrics, under one name that <c>AddServiceDefaults</c> registers
/// for both tracing and metrics.
/// </summary>
internal static class ReplicatorTelemetry
{
    public const string Name = "Sos.Replicator";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Copies = Meter.CreateCounter<long>(
        "sos.replicator.copies", "{copy}", "Copies written to blob servers to bring objects to their minimum copies.");

    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "sos.replicator.bytes", "By", "Bytes copied between blob servers.");

    public static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "sos.replicator.failures", "{failure}", "Listings and copies that failed.");

    public static readonly Gauge<long> UnderReplicated = Meter.CreateGauge<long>(
        "sos.replicator.under_replicated", "{object}", "Objects below their minimum copies at the end of the last pass.");

    public static readonly Counter<long> ObjectsScanned = Meter.CreateCounter<long>(
        "sos.replicator.objects", "{object}", "Objects listed by replication passes.");

    public static readonly Counter<long> Removed = Meter.CreateCounter<long>(
        "sos.replicator.removed", "{copy}", "Copies removed from handoff servers by a rebalance.");

    public static readonly Counter<long> VerifiedBytes = Meter.CreateCounter<long>(
        "sos.replicator.verified_bytes", "By", "Bytes of copies their blob servers re-hashed at the replicator's request.");

    public static readonly Counter<long> BadCopies = Meter.CreateCounter<long>(
        "sos.replicator.bad_copies", "{copy}", "Copies that failed verification by hash (their servers quarantined them).");

    public static readonly Gauge<long> TombstonesHeld = Meter.CreateGauge<long>(
        "sos.replicator.tombstones", "{tombstone}", "Deleted ids whose tombstones the cluster holds, at the end of the last pass.");

    public static readonly Counter<long> TombstonesSpread = Meter.CreateCounter<long>(
        "sos.replicator.tombstones_spread", "{tombstone}", "Tombstones brought to servers that lacked them (their older copies went to the trash).");

    public static readonly Counter<long> TombstonesCollected = Meter.CreateCounter<long>(
        "sos.replicator.tombstones_collected", "{tombstone}", "Tombstones forgotten by every server once all applied them and the grace period passed.");

    public static readonly Histogram<double> PassDuration = Meter.CreateHistogram<double>(
        "sos.replicator.pass.duration", "s", "How long a replication pass took.");
}
