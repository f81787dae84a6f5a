namespace Sos.Chaos;

/// <summary>The end of one fetch, and when it is not <see cref="FetchStatus.Ok"/>, what happened.</summary>
internal sealed record FetchResult(FetchStatus Status, string? Problem = null)
{
    public static readonly FetchResult Ok = new(FetchStatus.Ok);
}
