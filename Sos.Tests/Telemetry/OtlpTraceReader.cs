using System.Text;

namespace Sos.Tests.Telemetry;

/// <summary>A span as a service exported it over OTLP, with only what the tests look at.</summary>
public sealed record ExportedSpan(
    string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// Reads the few fields the tests need from an OTLP <c>ExportTraceServiceRequest</c> in protobuf,
/// straight from the wire format (the feed has no OTLP proto types). Field numbers are those of
/// opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto; every other field is skipped.
/// </summary>
public static class OtlpTraceReader
{
    public static List<ExportedSpan> Read(ReadOnlyMemory<byte> exportRequest) =>
        [.. OtlpCommon.Items(exportRequest).Select(span => ReadSpan(span.Service, span.Item))];

    private static ExportedSpan ReadSpan(string service, ReadOnlyMemory<byte> bytes)
    {
        string traceId = "", spanId = "", parentSpanId = "", name = "";
        var attributes = new Dictionary<string, string>();
        var reader = new ProtoReader(bytes);
        while (reader.Next() is { } field)
        {
            switch (field.Number)
            {
                case 1: traceId = Convert.ToHexStringLower(reader.ReadBytes().Span); break;
                case 2: spanId = Convert.ToHexStringLower(reader.ReadBytes().Span); break;
                case 4: parentSpanId = Convert.ToHexStringLower(reader.ReadBytes().Span); break;
                case 5: name = Encoding.UTF8.GetString(reader.ReadBytes().Span); break;
                case 9: OtlpCommon.ReadKeyValue(reader.ReadBytes(), attributes); break;
                default: reader.Skip(field.WireType); break;
            }
        }
        return new ExportedSpan(service, traceId, spanId, parentSpanId, name, attributes);
    }
}
