using Microsoft.Extensions.Primitives;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class MetadataRulesTests
{
    [Theory]
    [InlineData("X-Accel-Redirect")]
    [InlineData("x-accel-buffering")]
    [InlineData("X-Sendfile")]
    [InlineData("X-Frame-Options")]
    [InlineData("X-Content-Type-Options")]
    [InlineData("X-XSS-Protection")]
    [InlineData("X-Forwarded-For")]
    [InlineData("x-forwarded-host")]
    [InlineData("X-Sos-Copies")]
    [InlineData("x-sos-")]
    public void NamesThatProxiesBrowsersOrSosActOnAreRefusedAndNeverStored(string name)
    {
        var refused = MetadataRules.Check(Headers((name, "value")));

        Assert.NotNull(refused);
        Assert.Contains(name, refused, StringComparison.Ordinal);
        Assert.False(MetadataRules.IsStored(name));
        Assert.Empty(ObjectMetadata.FromHeaders(Headers((name, "value"))));
    }

    [Theory]
    [InlineData("X-Sos-Sha1")]
    [InlineData("x-sos-sha1")]
    [InlineData("X-Api-Key")]
    [InlineData("X-Real-Ip")]
    public void RequestOnlyHeadersAreAcceptedButNeverStored(string name)
    {
        Assert.Null(MetadataRules.Check(Headers((name, "da39a3ee5e6b4b0d3255bfef95601890afd80709"))));
        Assert.False(MetadataRules.IsStored(name));
        Assert.Empty(ObjectMetadata.FromHeaders(Headers((name, "da39a3ee5e6b4b0d3255bfef95601890afd80709"))));
    }

    [Theory]
    [InlineData("X-Mime-Type", "image/png")]
    [InlineData("X-Orig-Filename", "my \"best\" shot; 100%.jpg")]
    [InlineData("X-Tabs", "a\tb c")]
    [InlineData("X-Empty", "")]
    [InlineData("X-Every-Visible", "!\"#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}~")]
    [InlineData("X-Accelerate", "a name that only starts like a refused one")]
    [InlineData("X-Sosa", "likewise")]
    public void VisibleAsciiSpacesAndTabsAreStored(string name, string value)
    {
        Assert.Null(MetadataRules.Check(Headers((name, value))));
        Assert.True(MetadataRules.IsStored(name));
        Assert.Equal(value, ObjectMetadata.FromHeaders(Headers((name, value)))[name]);
    }

    [Theory]
    [InlineData("\u0001", 1)]
    [InlineData("ok\u007f", 3)]
    [InlineData("caf\u00e9", 4)]
    [InlineData("line\nbreak", 5)]
    [InlineData("\u2028", 1)]
    [InlineData("\u0000", 1)]
    public void AValueOutsideVisibleAsciiIsRefusedWithWhereItIs(string value, int position)
    {
        var refused = MetadataRules.Check(Headers(("X-Orig-Filename", "fine.txt"), ("X-Poison", value)));

        Assert.NotNull(refused);
        Assert.Contains("'X-Poison'", refused, StringComparison.Ordinal);
        Assert.Contains($"U+{(int)value[position - 1]:X4} at position {position}", refused, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryValueOfARepeatedHeaderIsChecked()
    {
        var headers = new[] { KeyValuePair.Create("X-Tag", new StringValues(["fine", "caf\u00e9"])) };

        Assert.NotNull(MetadataRules.Check(headers));
    }

    [Fact]
    public void HeadersThatAreNotMetadataAreNotLookedAt()
    {
        Assert.Null(MetadataRules.Check(Headers(("User-Agent", "caf\u00e9"), ("Content-Type", "text/html"), ("Xylophone", "\u0001"))));
    }

    [Fact]
    public void StoredMetadataIsCheckedTheSameWay()
    {
        var good = new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain" };
        var bad = new Dictionary<string, string> { ["X-Mime-Type"] = "text/plain", ["X-Frame-Options"] = "ALLOWALL" };

        Assert.Null(MetadataRules.Check(good));
        Assert.Contains("X-Frame-Options", MetadataRules.Check(bad), StringComparison.Ordinal);
    }

    private static KeyValuePair<string, StringValues>[] Headers(params (string Name, string Value)[] headers) =>
        [.. headers.Select(header => KeyValuePair.Create(header.Name, new StringValues(header.Value)))];
}
