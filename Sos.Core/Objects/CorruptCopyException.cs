namespace Sos.Core.Objects;

/// <summary>A copy's bytes do not hash to its id, or there are fewer or more of them than announced.</summary>
public sealed class CorruptCopyException(ObjectId id, string reason)
    : IOException($"The copy of {id} is not good: {reason}.")
{
    public ObjectId Id { get; } = id;

    /// <summary>Where in the copy the bytes found bad begin, when the check that failed knows.</summary>
    public long? Offset { get; init; }
}
