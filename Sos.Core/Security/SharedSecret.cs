using System.Security.Cryptography;
using System.Text;

namespace Sos.Core.Security;

/// <summary>
/// Checks a secret a client presented (the cluster's internal token, the upload API key)
/// against the configured one without leaking, through timing, how much of it was right.
/// </summary>
public static class SharedSecret
{
    private const string BearerScheme = "Bearer ";

    /// <summary>
    /// True when <paramref name="presented"/> equals <paramref name="expected"/>. Both are hashed
    /// first so that the constant-time comparison also hides the expected secret's length.
    /// </summary>
    public static bool Matches(string? presented, string expected)
    {
        if (presented is null)
        {
            return false;
        }
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> expectedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        SHA256.HashData(Encoding.UTF8.GetBytes(expected), expectedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, expectedHash);
    }

    /// <summary>The credential of an <c>Authorization: Bearer &lt;secret&gt;</c> header, or null for any other header.</summary>
    public static string? FromBearer(string? authorization) =>
        authorization is not null && authorization.StartsWith(BearerScheme, StringComparison.OrdinalIgnoreCase)
            ? authorization[BearerScheme.Length..].Trim()
            : null;

    /// <summary>The header value that presents <paramref name="secret"/>.</summary>
    public static string ToBearer(string secret) => BearerScheme + secret;
}
