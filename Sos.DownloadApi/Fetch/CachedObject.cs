namespace Sos.DownloadApi.Fetch;

/// <summary>
/// A small object whose bytes were checked against its id, with everything its response needs,
/// and when the blob servers last confirmed that it exists (it may have been deleted since).
/// </summary>
public sealed class CachedObject(ObjectHeaders headers, byte[] bytes, DateTimeOffset confirmedAt)
{
    private long _confirmedAtTicks = confirmedAt.UtcTicks;

    public ObjectHeaders Headers { get; } = headers;

    public byte[] Bytes { get; } = bytes;

    public DateTimeOffset ConfirmedAt
    {
        get => new(Interlocked.Read(ref _confirmedAtTicks), TimeSpan.Zero);
        set => Interlocked.Exchange(ref _confirmedAtTicks, value.UtcTicks);
    }
}
