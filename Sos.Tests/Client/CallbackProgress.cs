namespace Sos.Tests.Client;

/// <summary>Progress reported synchronously, on the reporting thread (unlike <see cref="Progress{T}"/>), so a test sees every report in order.</summary>
internal sealed class CallbackProgress(Action<long> report) : IProgress<long>
{
    public void Report(long value) => report(value);
}
