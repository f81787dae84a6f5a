namespace Sos.Chaos;

/// <summary>The first metadata of a new object: ordinary, legal headers, sometimes none at all.</summary>
internal static class ChaosMetadata
{
    public const string TagHeader = "X-Chaos-Tag";
    public const string MimeTypeHeader = "X-Mime-Type";
    public const string FileNameHeader = "X-Orig-Filename";

    private static readonly string[] MimeTypes = ["application/x-chaos", "image/png", "text/plain", "application/json"];

    public static Dictionary<string, string> Create(Random random, long number)
    {
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // A quarter carry none: a re-upload that adds metadata must not give them any.
        if (random.NextDouble() < 0.25)
        {
            return metadata;
        }
        metadata[TagHeader] = Convert.ToHexStringLower(BitConverter.GetBytes(random.NextInt64()));
        if (random.NextDouble() < 0.7)
        {
            metadata[MimeTypeHeader] = MimeTypes[random.Next(MimeTypes.Length)];
        }
        if (random.NextDouble() < 0.5)
        {
            metadata[FileNameHeader] = $"chaos-{number}.bin";
        }
        return metadata;
    }
}
