namespace Sos.Tests.Telemetry;

/// <summary>The protobuf wire format: a varint key (field number, wire type) before each value.</summary>
internal sealed class ProtoReader(ReadOnlyMemory<byte> bytes)
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

    public ulong ReadFixed64()
    {
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bytes.Span.Slice(_position, 8));
        _position += 8;
        return value;
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
