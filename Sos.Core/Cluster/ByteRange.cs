namespace Sos.Core.Cluster;

/// <summary>
/// One byte range as a client asks for it: <c>first-last</c>, <c>first-</c> (to the end) or
/// <c>-n</c> (the last n bytes), as in an HTTP <c>Range: bytes=...</c>.
/// </summary>
public readonly record struct ByteRange(long? From, long? To)
{
    /// <summary>
    /// The part of an object of <paramref name="length"/> bytes this range covers, or null when
    /// none of it lies inside the object (the range is unsatisfiable).
    /// </summary>
    public ObjectPart? Within(long length)
    {
        if (From is { } from)
        {
            if (from >= length || (To is { } to && to < from))
            {
                return null;
            }
            var last = To is { } end ? Math.Min(end, length - 1) : length - 1;
            return new ObjectPart(from, last - from + 1, length);
        }
        if (To is { } suffix && suffix > 0 && length > 0)
        {
            var count = Math.Min(suffix, length);
            return new ObjectPart(length - count, count, length);
        }
        return null;
    }
}
