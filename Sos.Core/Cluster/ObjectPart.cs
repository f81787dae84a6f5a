namespace Sos.Core.Cluster;

/// <summary>The bytes a partial read carries: <see cref="Count"/> bytes from <see cref="Offset"/> of an object of <see cref="Length"/> bytes.</summary>
public readonly record struct ObjectPart(long Offset, long Count, long Length)
{
    public long Last => Offset + Count - 1;
}
