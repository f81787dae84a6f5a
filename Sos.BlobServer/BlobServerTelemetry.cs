using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.BlobServer;

internal static class BlobServerTelemetry
{
    public const string Name = "Sos.BlobServer";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> CopiesStored = Meter.CreateCounter<long>(
        "sos.blob.stored", "{copy}", "Copies made durable on this server.");

    public static readonly Counter<long> BytesStored = Meter.CreateCounter<long>(
        "sos.blob.stored_bytes", "By", "Bytes of the copies made durable on this server.");

    public static readonly Counter<long> Quarantined = Meter.CreateCounter<long>(
        "sos.blob.quarantined", "{copy}", "Copies moved to quarantine because their bytes no longer match their id (by reads or the scrub).");

    public static readonly Counter<long> ScrubBytesVerified = Meter.CreateCounter<long>(
        "sos.scrub.bytes_verified", "By", "Bytes re-hashed by the scrub.");

    public static readonly Counter<long> ScrubQuarantined = Meter.CreateCounter<long>(
        "sos.scrub.quarantined", "{copy}", "Copies the scrub found no longer matching their id and quarantined.");
}
