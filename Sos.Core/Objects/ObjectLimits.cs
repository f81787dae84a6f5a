namespace Sos.Core.Objects;

/// <summary>Limits every service agrees on, written once.</summary>
public static class ObjectLimits
{
    /// <summary>The largest object, unless configured otherwise: 5 GiB.</summary>
    public const long DefaultMaxObjectBytes = 5L * 1024 * 1024 * 1024;
}
