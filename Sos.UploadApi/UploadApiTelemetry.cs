using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sos.UploadApi;

internal static class UploadApiTelemetry
{
    public const string Name = "Sos.UploadApi";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> ObjectsStored = Meter.CreateCounter<long>(
        "sos.upload.objects", "{object}", "Uploads acknowledged: every one durable on its minimum copies.");

    public static readonly Counter<long> BytesIn = Meter.CreateCounter<long>(
        "sos.upload.bytes", "By", "Bytes of acknowledged uploads.");

    public static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        "sos.upload.received_bytes", "By", "Bytes of upload bodies received, counted as they are read: acknowledged, refused or cut short alike.");

    public static readonly Histogram<int> CopiesWritten = Meter.CreateHistogram<int>(
        "sos.upload.copies", "{copy}", "Durable copies written per upload.");

    public static readonly Counter<long> Handoffs = Meter.CreateCounter<long>(
        "sos.upload.handoffs", "{copy}", "Copies that a failed blob server handed to the next one in rendezvous order.");

    public static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "sos.upload.refused", "{upload}", "Uploads answered 503: fewer blob servers than the minimum copies took them.");

    public static readonly Counter<long> Deletes = Meter.CreateCounter<long>(
        "sos.delete.objects", "{object}", "Deletes acknowledged: each one durable as tombstones on the write quorum.");

    public static readonly Counter<long> DeletesRefused = Meter.CreateCounter<long>(
        "sos.delete.refused", "{delete}", "Deletes answered 503: fewer blob servers than the write quorum recorded them.");
}
