using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sos.Chaos;

/// <summary>
/// An object's bytes as a function of a seed: any range can be produced again without keeping
/// the object, so every fetch (whole or range) is compared with what was uploaded, byte for byte,
/// however much was stored.
/// </summary>
internal static class SeededBytes
{
    private const ulong Golden = 0x9E3779B97F4A7C15;

    public static void Fill(ulong seed, long offset, Span<byte> destination)
    {
        var word = offset / 8;
        var skip = (int)(offset % 8);
        Span<byte> block = stackalloc byte[8];
        var written = 0;
        while (written < destination.Length)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(block, Mix(seed + (ulong)word * Golden));
            var take = Math.Min(8 - skip, destination.Length - written);
            block.Slice(skip, take).CopyTo(destination[written..]);
            written += take;
            skip = 0;
            word++;
        }
    }

    /// <summary>The object id (SHA-1, lowercase hex) of <paramref name="size"/> bytes from <paramref name="seed"/>.</summary>
    public static string IdOf(ulong seed, long size)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var buffer = new byte[64 * 1024];
        for (long offset = 0; offset < size; offset += buffer.Length)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, size - offset));
            Fill(seed, offset, chunk);
            sha1.AppendData(chunk);
        }
        return Convert.ToHexStringLower(sha1.GetHashAndReset());
    }

    // SplitMix64's finaliser: cheap, and different seeds give unrelated streams.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
        return z ^ (z >> 31);
    }
}
