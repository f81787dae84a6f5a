namespace Sos.Chaos;

/// <summary>One header a stranger re-uploading someone else's bytes might send.</summary>
/// <param name="Name">The header.</param>
/// <param name="Value">Its value; never part of any object's first metadata.</param>
/// <param name="Kind">What it tries: retype, rename, overwrite, add, proxy, browser, control, non-ascii, reserved.</param>
/// <param name="ServerMaySet">A header a server may send of its own accord (with a safe value): only the hostile value is wrong.</param>
internal sealed record HostileHeader(string Name, string Value, string Kind, bool ServerMaySet = false)
{
    /// <summary>Every hostile header the run sends; a re-upload carries one to three of them.</summary>
    public static readonly IReadOnlyList<HostileHeader> All =
    [
        new("X-Mime-Type", "text/html", "retype"),
        new("X-Orig-Filename", "evil.html", "rename"),
        new(ChaosMetadata.TagHeader, "defaced", "overwrite"),
        new("X-Chaos-Added", "1", "add"),
        new("X-Accel-Redirect", "/internal/secret", "proxy"),
        new("X-Frame-Options", "ALLOWALL", "browser", ServerMaySet: true),
        new("X-Content-Type-Options", "none", "browser", ServerMaySet: true),
        new("X-Poison", "\u0001", "control"),
        new("X-Chaos-Note", "caf\u00e9", "non-ascii"),
        new("X-Sos-Copies", "1", "reserved"),
    ];
}
