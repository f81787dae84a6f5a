using System.Text;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class ObjectIdTests
{
    private const string EmptySha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";

    [Theory]
    [InlineData(EmptySha1)]
    [InlineData("0000000000000000000000000000000000000000")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffff")]
    [InlineData("0123456789abcdef0123456789abcdef01234567")]
    public void ParsedIdsFormatBackToTheSameText(string text)
    {
        var id = ObjectId.Parse(text);

        Assert.Equal(text, id.ToString());
        Assert.Equal(text, $"{id}");
        Assert.True(ObjectId.TryParse(text, out var again));
        Assert.Equal(id, again);
    }

    [Fact]
    public void RandomDigestsSurviveFormatAndParse()
    {
        var random = new Random(1);
        var digest = new byte[ObjectId.ByteLength];
        var roundTripped = new byte[ObjectId.ByteLength];
        for (var i = 0; i < 1000; i++)
        {
            random.NextBytes(digest);
            var id = ObjectId.FromDigest(digest);

            Assert.Equal(Convert.ToHexStringLower(digest), id.ToString());
            ObjectId.Parse(id.ToString()).WriteBytes(roundTripped);
            Assert.Equal(digest, roundTripped);
        }
    }

    [Fact]
    public void TryFormatRefusesADestinationThatIsTooShort()
    {
        var id = ObjectId.Parse(EmptySha1);
        Span<char> small = stackalloc char[ObjectId.HexLength - 1];

        Assert.False(id.TryFormat(small, out _, default, null));
    }

    [Theory]
    [InlineData("", EmptySha1)]
    [InlineData("abc", "a9993e364706816aba3e25717850c26c9cd0d89d")]
    [InlineData("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")]
    public async Task HashingKnownTextGivesItsKnownSha1(string text, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var source = new MemoryStream(bytes);

        var hashed = await HashingCopy.CopyAsync(source, Stream.Null, long.MaxValue, CancellationToken.None);

        Assert.Equal(expected, hashed.Id.ToString());
        Assert.Equal(ObjectId.Parse(expected), hashed.Id);
        Assert.Equal(bytes.Length, hashed.Size);
    }

    [Fact]
    public void FromDigestAgreesWithTheSha1OfTheBytes()
    {
        var bytes = Encoding.UTF8.GetBytes("sos");

        var id = ObjectId.FromDigest(TestBytes.Sha1(bytes));

        Assert.Equal(Convert.ToHexStringLower(TestBytes.Sha1(bytes)), id.ToString());
    }

    [Theory]
    [InlineData(19)]
    [InlineData(21)]
    [InlineData(32)]
    public void DigestsOfTheWrongLengthAreRejected(int length) =>
        Assert.Throws<ArgumentException>(() => ObjectId.FromDigest(new byte[length]));

    [Theory]
    [InlineData("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070A")]
    public void UppercaseIdsAreRejected(string text) => AssertRejected(text);

    [Theory]
    [InlineData("")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070")]
    [InlineData("da39")]
    public void ShortIdsAreRejected(string text) => AssertRejected(text);

    [Theory]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd807090")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd80709da39a3ee5e6b4b0d3255bfef95601890afd80709")]
    public void LongIdsAreRejected(string text) => AssertRejected(text);

    [Theory]
    [InlineData("ga39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070z")]
    [InlineData(" a39a3ee5e6b4b0d3255bfef95601890afd80709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070 ")]
    [InlineData("da39a3ee-e6b4b0d3255bfef95601890afd80709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070\u0660")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070\uff10")]
    public void NonHexIdsAreRejected(string text) => AssertRejected(text);

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("../../../../../../../../../../etc/passwd")]
    [InlineData("..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8%2f9")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd%2F09")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8/709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8\\709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8.709")]
    public void PathLikeIdsAreRejected(string text) => AssertRejected(text);

    [Fact]
    public void NullIsRejected()
    {
        Assert.False(ObjectId.TryParse((string?)null, out var id));
        Assert.Equal(default, id);
        Assert.ThrowsAny<Exception>(() => ObjectId.Parse(null!));
    }

    [Fact]
    public void IdsSortLikeTheirHexText()
    {
        var random = new Random(2);
        var digest = new byte[ObjectId.ByteLength];
        var ids = new List<ObjectId>();
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(digest);
            // Share leading bytes now and then, so the later words decide some comparisons.
            if (i % 3 == 0 && ids.Count > 0)
            {
                ids[random.Next(ids.Count)].WriteBytes(digest.AsSpan(0, ObjectId.ByteLength));
                digest[random.Next(8, ObjectId.ByteLength)] ^= (byte)random.Next(1, 256);
            }
            ids.Add(ObjectId.FromDigest(digest));
        }

        var byId = ids.Order().Select(id => id.ToString()).ToList();
        var byText = ids.Select(id => id.ToString()).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(byText, byId);
    }

    [Fact]
    public void ComparisonOperatorsAgreeWithOrdinalTextOrder()
    {
        var random = new Random(3);
        var a = new byte[ObjectId.ByteLength];
        var b = new byte[ObjectId.ByteLength];
        for (var i = 0; i < 1000; i++)
        {
            random.NextBytes(a);
            random.NextBytes(b);
            // Often differ only in the last word (bytes 16..19), the one held as a uint.
            if (i % 2 == 0)
            {
                a.AsSpan(0, 16).CopyTo(b);
            }
            var left = ObjectId.FromDigest(a);
            var right = ObjectId.FromDigest(b);
            var expected = Math.Sign(string.CompareOrdinal(left.ToString(), right.ToString()));

            Assert.Equal(expected, Math.Sign(left.CompareTo(right)));
            Assert.Equal(expected < 0, left < right);
            Assert.Equal(expected > 0, left > right);
            Assert.Equal(expected <= 0, left <= right);
            Assert.Equal(expected >= 0, left >= right);
        }
    }

    [Fact]
    public void IdsOfTheSameBytesAreEqualWithEqualHashCodes()
    {
        var left = ObjectId.Parse("0123456789abcdef0123456789abcdef01234567");
        var right = ObjectId.Parse("0123456789abcdef0123456789abcdef01234567");

        Assert.Equal(left, right);
        Assert.True(left == right);
        Assert.False(left != right);
        Assert.True(left.Equals((object)right));
        Assert.Equal(left.GetHashCode(), right.GetHashCode());
        Assert.Equal(0, left.CompareTo(right));
    }

    [Theory]
    [InlineData("1123456789abcdef0123456789abcdef01234567")]
    [InlineData("0123456789abcdef1123456789abcdef01234567")]
    [InlineData("0123456789abcdef0123456789abcdef01234568")]
    public void IdsThatDifferInAnyWordAreNotEqual(string other)
    {
        var left = ObjectId.Parse("0123456789abcdef0123456789abcdef01234567");
        var right = ObjectId.Parse(other);

        Assert.NotEqual(left, right);
        Assert.True(left != right);
        Assert.False(left.Equals((object)right));
        Assert.False(left.Equals("0123456789abcdef0123456789abcdef01234567"));
    }

    [Fact]
    public void IdsWorkAsDictionaryAndSetKeys()
    {
        var random = new Random(4);
        var digest = new byte[ObjectId.ByteLength];
        var texts = new HashSet<string>();
        var ids = new HashSet<ObjectId>();
        for (var i = 0; i < 5000; i++)
        {
            random.NextBytes(digest);
            var id = ObjectId.FromDigest(digest);
            texts.Add(id.ToString());
            ids.Add(id);
            ids.Add(ObjectId.Parse(id.ToString()));
        }

        Assert.Equal(texts.Count, ids.Count);
        Assert.All(texts, text => Assert.Contains(ObjectId.Parse(text), ids));
    }

    private static void AssertRejected(string text)
    {
        Assert.False(ObjectId.TryParse(text, out var id));
        Assert.Equal(default, id);
        Assert.False(ObjectId.TryParse(text.AsSpan(), out _));
        Assert.Throws<FormatException>(() => ObjectId.Parse(text));
    }
}
