namespace Sos.Core.Objects;

/// <summary>The body was larger than the configured maximum object size.</summary>
public sealed class ObjectTooLargeException(long maxBytes)
    : Exception($"The object is larger than the maximum of {maxBytes} bytes.")
{
    public long MaxBytes { get; } = maxBytes;
}
