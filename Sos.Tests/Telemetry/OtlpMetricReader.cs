using System.Text;

namespace Sos.Tests.Telemetry;

/// <summary>
/// Reads the counters (<c>Sum</c> metrics) of an OTLP <c>ExportMetricsServiceRequest</c> in
/// protobuf, straight from the wire format as <see cref="OtlpTraceReader"/> does for spans. Field
/// numbers are those of opentelemetry/proto/metrics/v1/metrics.proto; gauges, histograms and
/// every other field are skipped.
/// </summary>
public static class OtlpMetricReader
{
    private const int DeltaTemporality = 1;

    public static List<ExportedSum> Read(ReadOnlyMemory<byte> exportRequest) =>
        [.. OtlpCommon.Items(exportRequest).Select(metric => ReadSum(metric.Service, metric.Item)).OfType<ExportedSum>()];

    /// <summary>Metric { name = 1; Sum sum = 7 }; null for any other kind of metric.</summary>
    private static ExportedSum? ReadSum(string service, ReadOnlyMemory<byte> bytes)
    {
        var name = "";
        ReadOnlyMemory<byte>? sum = null;
        var reader = new ProtoReader(bytes);
        while (reader.Next() is { } field)
        {
            switch (field.Number)
            {
                case 1: name = Encoding.UTF8.GetString(reader.ReadBytes().Span); break;
                case 7: sum = reader.ReadBytes(); break;
                default: reader.Skip(field.WireType); break;
            }
        }
        if (sum is not { } data)
        {
            return null;
        }
        // Sum { repeated NumberDataPoint data_points = 1; AggregationTemporality aggregation_temporality = 2 }
        double value = 0;
        var delta = false;
        var sumReader = new ProtoReader(data);
        while (sumReader.Next() is { } field)
        {
            switch (field.Number)
            {
                case 1: value += ReadNumber(sumReader.ReadBytes()); break;
                case 2: delta = (int)sumReader.ReadVarint() == DeltaTemporality; break;
                default: sumReader.Skip(field.WireType); break;
            }
        }
        return new ExportedSum(service, name, value, delta);
    }

    /// <summary>NumberDataPoint { double as_double = 4; sfixed64 as_int = 6 }.</summary>
    private static double ReadNumber(ReadOnlyMemory<byte> bytes)
    {
        double value = 0;
        var reader = new ProtoReader(bytes);
        while (reader.Next() is { } field)
        {
            switch (field.Number)
            {
                case 4: value = BitConverter.UInt64BitsToDouble(reader.ReadFixed64()); break;
                case 6: value = (long)reader.ReadFixed64(); break;
                default: reader.Skip(field.WireType); break;
            }
        }
        return value;
    }
}
