using Sos.Core.Security;

namespace Sos.Tests.Unit;

public sealed class SharedSecretTests
{
    [Theory]
    [InlineData("s3cret", "s3cret", true)]
    [InlineData("s3cre", "s3cret", false)]
    [InlineData("s3crett", "s3cret", false)]
    [InlineData("S3CRET", "s3cret", false)]
    [InlineData("", "s3cret", false)]
    [InlineData(null, "s3cret", false)]
    public void OnlyTheExactSecretMatches(string? presented, string expected, bool matches) =>
        Assert.Equal(matches, SharedSecret.Matches(presented, expected));

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer abc", "abc")]
    [InlineData("Bearer  abc ", "abc")]
    [InlineData("Basic abc", null)]
    [InlineData("abc", null)]
    [InlineData(null, null)]
    public void OnlyTheBearerSchemeCarriesASecret(string? authorization, string? secret) =>
        Assert.Equal(secret, SharedSecret.FromBearer(authorization));
}
