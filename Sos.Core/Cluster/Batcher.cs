namespace Sos.Core.Cluster;

/// <summary>
/// Turns many callers' questions to one server into few requests: a question asked while
/// <c>maxInFlight</c> requests are already out waits for the next one, which carries every
/// question queued by then (up to <c>maxBatch</c>), so a busy server gets larger batches, the way
/// a group commit does. A question that starts a request waits <c>linger</c> first, and the
/// request carries whatever was asked meanwhile; with no linger it is sent at once.
/// </summary>
internal sealed class Batcher<TItem, TResult>(int maxBatch, int maxInFlight, TimeSpan linger = default)
{
    private readonly Lock _lock = new();
    private readonly Queue<(TItem Item, TaskCompletionSource<TResult> Answer)> _queue = new();
    private int _inFlight;

    /// <summary>
    /// Queues <paramref name="item"/>; <paramref name="send"/> asks the server about a batch and
    /// answers each item in order. A send that throws fails every item of its batch with that exception.
    /// </summary>
    public Task<TResult> AskAsync(TItem item, Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send, CancellationToken cancellationToken)
    {
        // Each caller continues on the thread that read its batch's answer, up to its next await,
        // rather than being queued to the pool one by one: a hop per item woke a sleeping worker
        // as often as not, and its continuations are short (the next request, or a response).
        var answer = new TaskCompletionSource<TResult>();
        bool start;
        lock (_lock)
        {
            _queue.Enqueue((item, answer));
            start = _inFlight < maxInFlight;
            if (start)
            {
                _inFlight++;
            }
        }
        if (start)
        {
            // Sent from the caller's thread, up to the wait for the answer (or for the linger):
            // handing that to the pool would cost a hop for the first question of every batch.
            _ = SendWhileQueuedAsync(send);
        }
        return answer.Task.WaitAsync(cancellationToken);
    }

    private async Task SendWhileQueuedAsync(Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> send)
    {
        if (linger > TimeSpan.Zero)
        {
            await Task.Delay(linger);
        }
        while (true)
        {
            var batch = new List<(TItem Item, TaskCompletionSource<TResult> Answer)>();
            lock (_lock)
            {
                while (batch.Count < maxBatch && _queue.TryDequeue(out var queued))
                {
                    batch.Add(queued);
                }
                if (batch.Count == 0)
                {
                    _inFlight--;
                    return;
                }
            }
            try
            {
                var results = await send([.. batch.Select(queued => queued.Item)]);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Answer.TrySetResult(results[i]);
                }
            }
            catch (Exception ex)
            {
                foreach (var (_, answer) in batch)
                {
                    answer.TrySetException(ex);
                }
            }
        }
    }
}
