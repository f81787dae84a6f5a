namespace Sos.Chaos;

/// <summary>
/// Whether an answer's headers are the object's first metadata: every first header with its
/// value, the Content-Type it implies, and nothing a hostile re-upload sent. Security headers a
/// server adds of its own (say <c>X-Content-Type-Options: nosniff</c>) are fine; the hostile
/// values are not.
/// </summary>
internal static class HeaderCheck
{
    /// <summary>Null when the headers are right, else what is wrong.</summary>
    public static string? Problem(ChaosObject expected, HttpResponseMessage response, bool publicFetch)
    {
        var problems = new List<string>();
        foreach (var (name, value) in expected.Metadata)
        {
            var actual = Get(response, name);
            if (actual != value)
            {
                problems.Add($"{name}: expected '{value}', got '{actual ?? "(none)"}'");
            }
        }
        foreach (var hostile in HostileHeader.All)
        {
            if (expected.Metadata.ContainsKey(hostile.Name))
            {
                continue; // compared above
            }
            if (Get(response, hostile.Name) is { } actual && (!hostile.ServerMaySet || actual == hostile.Value))
            {
                problems.Add($"{hostile.Name}: '{Printable(actual)}' served ({hostile.Kind}), not in the first metadata");
            }
        }
        var expectedType = expected.Metadata.GetValueOrDefault(ChaosMetadata.MimeTypeHeader) ?? "application/octet-stream";
        var actualType = response.Content.Headers.ContentType?.MediaType;
        if (!string.Equals(actualType, expectedType, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Content-Type: expected '{expectedType}', got '{actualType ?? "(none)"}'");
        }
        if (publicFetch)
        {
            var disposition = response.Content.Headers.ContentDisposition?.ToString();
            if (disposition is not null && disposition.Contains("evil", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Content-Disposition: '{disposition}' names a re-uploader's file");
            }
            if (expected.Metadata.TryGetValue(ChaosMetadata.FileNameHeader, out var fileName)
                && (disposition is null || !disposition.Contains(fileName, StringComparison.Ordinal)))
            {
                problems.Add($"Content-Disposition: expected the file name '{fileName}', got '{disposition ?? "(none)"}'");
            }
            if (response.Headers.ETag is not { } etag || etag.Tag != $"\"{expected.Id}\"")
            {
                problems.Add($"ETag: expected \"{expected.Id}\", got {response.Headers.ETag?.ToString() ?? "(none)"}");
            }
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string? Get(HttpResponseMessage response, string name)
    {
        if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
        {
            return string.Join(", ", values);
        }
        return null;
    }

    private static string Printable(string value) =>
        string.Concat(value.Select(c => c is < ' ' or > '~' ? $"\\x{(int)c:x2}" : c.ToString()));
}
