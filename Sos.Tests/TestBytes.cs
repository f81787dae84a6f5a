using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Sos.Core.Objects;

namespace Sos.Tests;

/// <summary>Test bodies and their ids, computed independently of the code under test.</summary>
internal static class TestBytes
{
    /// <summary>Bytes that are the same on every run, so a failure can be replayed.</summary>
    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Fresh random bytes, so that every test stores objects no other test has.</summary>
    public static byte[] Fresh(int length)
    {
        var bytes = new byte[length];
        System.Random.Shared.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The id of <paramref name="bytes"/> as the wire writes it: 40 lowercase hex characters.</summary>
    public static string HexId(byte[] bytes) => Convert.ToHexStringLower(Sha1(bytes));

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "SHA-1 is the object id of the sos wire format, not a security measure.")]
    public static byte[] Sha1(byte[] bytes) => SHA1.HashData(bytes);

    public static ObjectId IdOf(byte[] bytes) => ObjectId.FromDigest(Sha1(bytes));
}
