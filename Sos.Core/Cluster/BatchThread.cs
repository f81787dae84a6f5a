namespace Sos.Core.Cluster;

/// <summary>
/// A group commit on a thread of its own: before each batch the thread waits <c>linger</c> for
/// company, then sends every item asked for by then (up to <c>maxBatch</c>); items asked for while
/// a batch is sent wait for the next. The send is synchronous and may block (a flush): on its own
/// thread it holds up no pool thread, and no caller is kept from its answer by being the one that
/// sends the batches after its own.
/// </summary>
/// <remarks>
/// Each caller continues on this thread once its batch is answered, up to its next wait (for
/// an upload, writing its response): handing each to the pool would wake a sleeping worker per
/// caller. The thread ends after <see cref="IdleExit"/> without work, and starts again when asked.
/// </remarks>
internal sealed class BatchThread<TItem, TResult>(string name, int maxBatch, TimeSpan linger, Func<IReadOnlyList<TItem>, IReadOnlyList<TResult>> send)
{
    private static readonly TimeSpan IdleExit = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly Queue<(TItem Item, TaskCompletionSource<TResult> Answer)> _queue = new();
    private bool _running;
    private bool _idle;

    /// <summary>Queues <paramref name="item"/>; answered with its result once its batch is sent, or with the exception the send threw.</summary>
    public Task<TResult> AskAsync(TItem item, CancellationToken cancellationToken)
    {
        var answer = new TaskCompletionSource<TResult>();
        var start = false;
        lock (_gate)
        {
            _queue.Enqueue((item, answer));
            if (!_running)
            {
                _running = start = true;
            }
            else if (_idle)
            {
                Monitor.Pulse(_gate);
            }
        }
        if (start)
        {
            new Thread(Run) { IsBackground = true, Name = name }.Start();
        }
        return answer.Task.WaitAsync(cancellationToken);
    }

    private void Run()
    {
        var batch = new List<(TItem Item, TaskCompletionSource<TResult> Answer)>(maxBatch);
        var items = new List<TItem>(maxBatch);
        while (true)
        {
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    _idle = true;
                    var woken = Monitor.Wait(_gate, IdleExit);
                    _idle = false;
                    if (!woken && _queue.Count == 0)
                    {
                        _running = false;
                        return;
                    }
                }
                if (linger > TimeSpan.Zero && _queue.Count < maxBatch)
                {
                    // Not idle: what is asked for meanwhile joins this batch without a wake-up.
                    Monitor.Wait(_gate, linger);
                }
                while (batch.Count < maxBatch && _queue.TryDequeue(out var queued))
                {
                    batch.Add(queued);
                    items.Add(queued.Item);
                }
            }
            try
            {
                var results = send(items);
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
            batch.Clear();
            items.Clear();
        }
    }
}
