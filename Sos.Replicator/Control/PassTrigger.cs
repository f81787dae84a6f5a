using System.Threading.Channels;

namespace Sos.Replicator.Control;

/// <summary>
/// "Replicate now": a request for a pass before the interval is up. Requests made while one is
/// already waiting fold into it, so pressing the button ten times runs one extra pass, not ten.
/// </summary>
internal sealed class PassTrigger
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a pass as soon as the current one (if any) ends.</summary>
    public void Request() => _requests.Writer.TryWrite(true);

    /// <summary>Waits for the interval to pass or for a request, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(interval, either.Token);
        var request = _requests.Reader.WaitToReadAsync(either.Token).AsTask();
        await Task.WhenAny(delay, request);
        await either.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        _requests.Reader.TryRead(out _);
    }
}
