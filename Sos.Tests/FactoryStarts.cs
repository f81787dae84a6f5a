namespace Sos.Tests;

/// <summary>
/// WebApplicationFactory finds the host a <c>Program</c> builds through a process-wide diagnostic
/// listener, so two factories starting at once (test classes run in parallel) can catch each
/// other's host and fail. Every factory in the tests starts under this one lock; a start takes
/// about a second. Any other web host the tests build in this process (the OTLP receiver, the
/// stand-ins) is built under it too, since a factory starting at that moment would catch it.
/// </summary>
internal static class FactoryStarts
{
    public static readonly Lock Gate = new();
}
