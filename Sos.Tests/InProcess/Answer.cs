using System.Net;
using System.Net.Http.Headers;

namespace Sos.Tests.InProcess;

/// <summary>A response as a client sees it: status, every header but Date, and the body; equal when all three are.</summary>
internal sealed record Answer(HttpStatusCode Status, string Headers, byte[] Body)
{
    public bool Equals(Answer? other) =>
        other is not null && Status == other.Status && Headers == other.Headers && Body.AsSpan().SequenceEqual(other.Body);

    public override int GetHashCode() => HashCode.Combine(Status, Headers, Body.Length);

    public override string ToString() => $"{(int)Status}\n{Headers}\n({Body.Length} bytes)";

    public static async Task<Answer> ReadAsync(HttpClient client, HttpMethod method, string path, Action<HttpRequestHeaders>? condition = null)
    {
        using var request = new HttpRequestMessage(method, path);
        condition?.Invoke(request.Headers);
        using var response = await client.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(header => header.Key != "Date")
            .Select(header => $"{header.Key}: {string.Join(", ", header.Value)}")
            .Order(StringComparer.Ordinal);
        return new Answer(response.StatusCode, string.Join("\n", headers), await response.Content.ReadAsByteArrayAsync());
    }
}
