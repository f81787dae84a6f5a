using System.Globalization;
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
    public static List<ExportedSpan> Read(ReadOnlyMemory<byte> exportRequest)
    {
        var spans = new List<ExportedSpan>();
        var request = new ProtoReader(exportRequest);
        while (request.Next() is { } field)
        {
            if (field.Number == 1) // ExportTraceServiceRequest.resource_spans
            {
                ReadResourceSpans(request.ReadBytes(), spans);
            }
            else
            {
                request.Skip(field.WireType);
            }
        }
        return spans;
    }

    private static void ReadResourceSpans(ReadOnlyMemory<byte> bytes, List<ExportedSpan> spans)
    {
        var service = "";
        var scopeSpans = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtoReader(bytes);
        while (reader.Next() is { } field)
        {
            switch (field.Number)
            {
                case 1: // ResourceSpans.resource; Resource.attributes = 1
                    var resource = new ProtoReader(reader.ReadBytes());
                    var attributes = new Dictionary<string, string>();
                    while (resource.Next() is { } resourceField)
                    {
                        if (resourceField.Number == 1)
                        {
                            ReadKeyValue(resource.ReadBytes(), attributes);
                        }
                        else
                        {
                            resource.Skip(resourceField.WireType);
                        }
                    }
                    service = attributes.GetValueOrDefault("service.name", "");
                    break;
                case 2: // ResourceSpans.scope_spans
                    scopeSpans.Add(reader.ReadBytes());
                    break;
                default:
                    reader.Skip(field.WireType);
                    break;
            }
        }
        foreach (var scope in scopeSpans)
        {
            var reader2 = new ProtoReader(scope);
            while (reader2.Next() is { } field)
            {
                if (field.Number == 2) // ScopeSpans.spans
                {
                    spans.Add(ReadSpan(service, reader2.ReadBytes()));
                }
                else
                {
                    reader2.Skip(field.WireType);
                }
            }
        }
    }

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
                case 9: ReadKeyValue(reader.ReadBytes(), attributes); break;
                default: reader.Skip(field.WireType); break;
            }
        }
        return new ExportedSpan(service, traceId, spanId, parentSpanId, name, attributes);
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2 }; AnyValue's string (1), bool (2) and int (3) values are kept as text.</summary>
    private static void ReadKeyValue(ReadOnlyMemory<byte> bytes, Dictionary<string, string> into)
    {
        string key = "", value = "";
        var reader = new ProtoReader(bytes);
        while (reader.Next() is { } field)
        {
            if (field.Number == 1)
            {
                key = Encoding.UTF8.GetString(reader.ReadBytes().Span);
            }
            else if (field.Number == 2)
            {
                var any = new ProtoReader(reader.ReadBytes());
                while (any.Next() is { } anyField)
                {
                    value = anyField.Number switch
                    {
                        1 => Encoding.UTF8.GetString(any.ReadBytes().Span),
                        2 => (any.ReadVarint() != 0).ToString(CultureInfo.InvariantCulture),
                        3 => ((long)any.ReadVarint()).ToString(CultureInfo.InvariantCulture),
                        _ => Skipped(any, anyField.WireType),
                    };
                }
            }
            else
            {
                reader.Skip(field.WireType);
            }
        }
        into[key] = value;
    }

    private static string Skipped(ProtoReader reader, int wireType)
    {
        reader.Skip(wireType);
        return "";
    }

    /// <summary>The protobuf wire format: a varint key (field number, wire type) before each value.</summary>
    private sealed class ProtoReader(ReadOnlyMemory<byte> bytes)
    {
        private int _position;

        public (int Number, int WireType)? Next()
        {
            if (_position >= bytes.Length)
            {
                return null;
            }
            var key = ReadVarint();
            return ((int)(key >> 3), (int)(key & 7));
        }

        public ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = bytes.Span[_position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw new InvalidDataException("A varint longer than 10 bytes.");
        }

        public ReadOnlyMemory<byte> ReadBytes()
        {
            var length = checked((int)ReadVarint());
            var slice = bytes.Slice(_position, length);
            _position += length;
            return slice;
        }

        public void Skip(int wireType)
        {
            switch (wireType)
            {
                case 0: ReadVarint(); break;
                case 1: _position += 8; break;
                case 2: ReadBytes(); break;
                case 5: _position += 4; break;
                default: throw new InvalidDataException($"Wire type {wireType} is not used by OTLP.");
            }
        }
    }
}
