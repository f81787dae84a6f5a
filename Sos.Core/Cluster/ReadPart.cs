namespace Sos.Core.Cluster;

/// <summary>What a found object's read carries.</summary>
public enum ReadPart
{
    /// <summary>The whole object (or, for a headers-only read, nothing but its headers).</summary>
    Whole,
    /// <summary>The range asked for, described by <see cref="ObjectRead.Part"/>.</summary>
    Partial,
    /// <summary>The range asked for lies past the object's end; no bytes.</summary>
    Unsatisfiable,
}
