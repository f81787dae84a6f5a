using System.Globalization;
using System.Text;

namespace Sos.Tests.Telemetry;

/// <summary>The parts of OTLP's protobuf that traces and metrics share (opentelemetry/proto/common/v1 and resource/v1).</summary>
internal static class OtlpCommon
{
    /// <summary>
    /// Every span or metric of an export request, with the name of the service that sent it.
    /// Traces and metrics share the layout: <c>resource_spans|resource_metrics = 1 { resource = 1;
    /// scope_spans|scope_metrics = 2 { spans|metrics = 2 } }</c>.
    /// </summary>
    public static IEnumerable<(string Service, ReadOnlyMemory<byte> Item)> Items(ReadOnlyMemory<byte> exportRequest)
    {
        foreach (var resource in Repeated(exportRequest, 1))
        {
            var service = Repeated(resource, 1).Select(ServiceName).LastOrDefault() ?? "";
            foreach (var item in Repeated(resource, 2).SelectMany(scope => Repeated(scope, 2)))
            {
                yield return (service, item);
            }
        }
    }

    /// <summary>The values of the length-delimited field <paramref name="number"/> of a message, in order.</summary>
    public static List<ReadOnlyMemory<byte>> Repeated(ReadOnlyMemory<byte> message, int number)
    {
        var values = new List<ReadOnlyMemory<byte>>();
        var reader = new ProtoReader(message);
        while (reader.Next() is { } field)
        {
            if (field.Number == number)
            {
                values.Add(reader.ReadBytes());
            }
            else
            {
                reader.Skip(field.WireType);
            }
        }
        return values;
    }

    /// <summary>The <c>service.name</c> of a <c>Resource</c> (attributes = 1).</summary>
    private static string ServiceName(ReadOnlyMemory<byte> resource)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var attribute in Repeated(resource, 1))
        {
            ReadKeyValue(attribute, attributes);
        }
        return attributes.GetValueOrDefault("service.name", "");
    }

    /// <summary>KeyValue { key = 1; AnyValue value = 2 }; AnyValue's string (1), bool (2) and int (3) values are kept as text.</summary>
    public static void ReadKeyValue(ReadOnlyMemory<byte> bytes, Dictionary<string, string> into)
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
}
