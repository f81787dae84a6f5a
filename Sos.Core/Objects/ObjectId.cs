using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Sos.Core.Objects;

/// <summary>
/// The id of an object: the SHA-1 of its bytes, written as 40 lowercase hex characters.
/// Held as 20 raw bytes so that millions of ids fit in memory without strings.
/// </summary>
public readonly struct ObjectId : IEquatable<ObjectId>, IComparable<ObjectId>, ISpanFormattable
{
    public const int ByteLength = 20;
    public const int HexLength = 40;

    // Big-endian words: comparing them numerically orders ids like their hex strings.
    private readonly ulong _high;
    private readonly ulong _middle;
    private readonly uint _low;

    private ObjectId(ReadOnlySpan<byte> bytes)
    {
        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _middle = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _low = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    /// <summary>The id's first 8 bytes as one number: as evenly spread as the id, for a compact key.</summary>
    public ulong Prefix => _high;

    /// <summary>An id from the 20 bytes of a SHA-1 digest.</summary>
    public static ObjectId FromDigest(ReadOnlySpan<byte> digest)
    {
        if (digest.Length != ByteLength)
        {
            throw new ArgumentException($"A SHA-1 digest has {ByteLength} bytes, not {digest.Length}.", nameof(digest));
        }
        return new ObjectId(digest);
    }

    /// <summary>The id of <paramref name="bytes"/>: their SHA-1.</summary>
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "SHA-1 is the object id of the sos wire format, not a security measure.")]
    public static ObjectId Of(ReadOnlySpan<byte> bytes)
    {
        Span<byte> digest = stackalloc byte[ByteLength];
        System.Security.Cryptography.SHA1.HashData(bytes, digest);
        return new ObjectId(digest);
    }

    /// <summary>
    /// Accepts exactly 40 lowercase hex characters. Anything else (uppercase, short, long,
    /// path characters) is refused, so an id that parses is always safe as a file name.
    /// </summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out ObjectId id) =>
        TryParse(text.AsSpan(), out id) && text is not null;

    public static bool TryParse(ReadOnlySpan<char> text, out ObjectId id)
    {
        id = default;
        if (text.Length != HexLength)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }
        Span<byte> bytes = stackalloc byte[ByteLength];
        Convert.FromHexString(text, bytes, out _, out _);
        id = new ObjectId(bytes);
        return true;
    }

    public static ObjectId Parse(string text) =>
        TryParse(text, out var id) ? id : throw new FormatException($"'{text}' is not an object id (40 lowercase hex characters).");

    public void WriteBytes(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _middle);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _low);
    }

    /// <summary>Mixes the id into a 64-bit value; the id is already a uniform hash, so folding is enough.</summary>
    internal ulong Fold() => _high ^ _middle ^ _low;

    public override string ToString() => string.Create(HexLength, this, static (chars, id) => id.TryFormat(chars, out _, default, null));

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        Span<byte> bytes = stackalloc byte[ByteLength];
        WriteBytes(bytes);
        return Convert.TryToHexStringLower(bytes, destination, out charsWritten);
    }

    public bool Equals(ObjectId other) => _high == other._high && _middle == other._middle && _low == other._low;

    public override bool Equals(object? obj) => obj is ObjectId other && Equals(other);

    public override int GetHashCode() => (int)Fold() ^ (int)(Fold() >> 32);

    public int CompareTo(ObjectId other)
    {
        var byHigh = _high.CompareTo(other._high);
        if (byHigh != 0)
        {
            return byHigh;
        }
        var byMiddle = _middle.CompareTo(other._middle);
        return byMiddle != 0 ? byMiddle : _low.CompareTo(other._low);
    }

    public static bool operator ==(ObjectId left, ObjectId right) => left.Equals(right);
    public static bool operator !=(ObjectId left, ObjectId right) => !left.Equals(right);
    public static bool operator <(ObjectId left, ObjectId right) => left.CompareTo(right) < 0;
    public static bool operator >(ObjectId left, ObjectId right) => left.CompareTo(right) > 0;
    public static bool operator <=(ObjectId left, ObjectId right) => left.CompareTo(right) <= 0;
    public static bool operator >=(ObjectId left, ObjectId right) => left.CompareTo(right) >= 0;
}
