namespace Sos.Tests.Unit;

/// <summary>A clock a test sets, backwards too (a wall clock stepped back by NTP), which FakeTimeProvider refuses.</summary>
internal sealed class SettableTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
