using Microsoft.Extensions.Primitives;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class ObjectMetadataTests
{
    [Fact]
    public void OnlyXHeadersBecomeMetadata()
    {
        var metadata = ObjectMetadata.FromHeaders(Headers(
            ("Content-Type", "application/octet-stream"),
            ("Content-Length", "12"),
            ("Host", "upload"),
            ("Authorization", "Bearer secret"),
            ("X-Mime-Type", "image/png"),
            ("X-Orig-Filename", "cat.png"),
            ("Xylophone", "not metadata")));

        Assert.Equal(
            new Dictionary<string, string> { ["X-Mime-Type"] = "image/png", ["X-Orig-Filename"] = "cat.png" },
            metadata);
    }

    [Theory]
    [InlineData("X-MIME-Type", "X-Mime-Type")]
    [InlineData("x-mime-type", "X-Mime-Type")]
    [InlineData("x-orig-filename", "X-Orig-Filename")]
    [InlineData("X-ORIG-FILENAME", "X-Orig-Filename")]
    [InlineData("x-a-b-c", "X-A-B-C")]
    [InlineData("X-Custom", "X-Custom")]
    public void NamesAreCanonicalisedLikeGo(string name, string canonical)
    {
        Assert.Equal(canonical, ObjectMetadata.Canonicalize(name));

        var metadata = ObjectMetadata.FromHeaders(Headers((name, "value")));

        Assert.Equal(canonical, Assert.Single(metadata.Keys));
        Assert.Equal("value", metadata[canonical]);
    }

    [Theory]
    [InlineData("X-Forwarded-For")]
    [InlineData("x-forwarded-for")]
    [InlineData("X-Forwarded-Proto")]
    [InlineData("X-Forwarded-Host")]
    [InlineData("X-Real-Ip")]
    [InlineData("X-REAL-IP")]
    public void ProxyHeadersAreNotMetadata(string name)
    {
        Assert.False(ObjectMetadata.IsMetadataHeader(name));
        Assert.Empty(ObjectMetadata.FromHeaders(Headers((name, "10.0.0.1"))));
    }

    [Theory]
    [InlineData("X-Mime-Type", true)]
    [InlineData("x-anything", true)]
    [InlineData("X-Forwarded", true)]
    [InlineData("Content-Type", false)]
    [InlineData("X", false)]
    [InlineData("", false)]
    public void IsMetadataHeaderKnowsWhichNamesCount(string name, bool expected) =>
        Assert.Equal(expected, ObjectMetadata.IsMetadataHeader(name));

    [Fact]
    public void LookupsIgnoreCase()
    {
        var metadata = ObjectMetadata.FromHeaders(Headers(("X-MIME-Type", "text/plain")));

        Assert.Equal("text/plain", metadata["x-mime-type"]);
        Assert.Equal("text/plain", metadata[ObjectMetadata.MimeTypeHeader]);
        Assert.True(metadata.ContainsKey("X-MIME-TYPE"));
        Assert.False(metadata.ContainsKey(ObjectMetadata.OriginalFileNameHeader));

        var empty = ObjectMetadata.CreateEmpty();
        empty["X-Orig-Filename"] = "a.txt";
        Assert.Equal("a.txt", empty["x-orig-filename"]);
    }

    [Fact]
    public void TheSameHeaderInTwoCasesIsKeptOnce()
    {
        var metadata = ObjectMetadata.FromHeaders(Headers(("x-mime-type", "text/plain"), ("X-MIME-TYPE", "text/html")));

        var (name, value) = Assert.Single(metadata);
        Assert.Equal("X-Mime-Type", name);
        Assert.Equal("text/html", value);
    }

    [Fact]
    public void AHeaderWithSeveralValuesKeepsTheFirst()
    {
        var headers = new[] { KeyValuePair.Create("X-Tag", new StringValues(["first", "second"])) };

        var metadata = ObjectMetadata.FromHeaders(headers);

        Assert.Equal("first", metadata["X-Tag"]);
    }

    [Fact]
    public void AHeaderWithNoValuesIsSkippedAndAnEmptyValueIsKept()
    {
        var headers = new[]
        {
            KeyValuePair.Create("X-None", StringValues.Empty),
            KeyValuePair.Create("X-Blank", new StringValues("")),
        };

        var metadata = ObjectMetadata.FromHeaders(headers);

        Assert.False(metadata.ContainsKey("X-None"));
        Assert.Equal("", metadata["X-Blank"]);
    }

    private static KeyValuePair<string, StringValues>[] Headers(params (string Name, string Value)[] headers) =>
        [.. headers.Select(header => KeyValuePair.Create(header.Name, new StringValues(header.Value)))];
}
