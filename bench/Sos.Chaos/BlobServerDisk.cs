namespace Sos.Chaos;

/// <summary>A blob server as the audit sees it: its name, its address and the directory its copies live in.</summary>
internal sealed record BlobServerDisk(string Name, Uri Url, string Root)
{
    /// <summary>Parses <c>name=url=root</c>.</summary>
    public static BlobServerDisk Parse(string text)
    {
        var parts = text.Split('=', 3);
        if (parts.Length != 3)
        {
            throw new FormatException($"'{text}' is not name=url=root.");
        }
        return new BlobServerDisk(parts[0], new Uri(parts[1].TrimEnd('/') + "/"), parts[2]);
    }

    /// <summary>Where the store keeps the bytes of <paramref name="id"/>: <c>root/ab/c/abc…</c>.</summary>
    public string PathOf(string id) => Path.Combine(Root, id[..2], id[2..3], id);
}
