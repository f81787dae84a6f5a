namespace Sos.Tests;

/// <summary>
/// AppHosts start one at a time. A start is mostly every service's process starting on the same
/// few cores, so two at once take about twice as long each: one after the other, the first app's
/// tests run while the next one starts. A start's timeout counts from when it passes this gate.
/// </summary>
internal static class AppHostStarts
{
    public static readonly SemaphoreSlim Gate = new(1, 1);
}
