using Sos.Core.Cluster;

namespace Sos.Tests.Unit;

public sealed class BatchThreadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ItemsAskedForWhileABatchIsSentGoTogetherInTheNextOnAThreadOfItsOwn()
    {
        var sent = new List<int[]>();
        var inFirstSend = new ManualResetEventSlim();
        var releaseFirst = new ManualResetEventSlim();
        var onPool = false;
        IReadOnlyList<int> Send(IReadOnlyList<int> items)
        {
            lock (sent)
            {
                sent.Add([.. items]);
                onPool |= Thread.CurrentThread.IsThreadPoolThread;
            }
            if (items[0] == 1)
            {
                inFirstSend.Set();
                releaseFirst.Wait(Timeout);
            }
            return [.. items.Select(item => item * 10)];
        }
        var thread = new BatchThread<int, int>("test", maxBatch: 3, TimeSpan.Zero, Send);

        var first = thread.AskAsync(1, CancellationToken.None);
        Assert.True(inFirstSend.Wait(Timeout));
        var queued = Enumerable.Range(2, 5).Select(item => thread.AskAsync(item, CancellationToken.None)).ToArray();
        releaseFirst.Set();

        Assert.Equal(10, await first.WaitAsync(Timeout));
        var answers = await Task.WhenAll(queued).WaitAsync(Timeout);
        Assert.Equal([20, 30, 40, 50, 60], answers);
        Assert.Equal([[1], [2, 3, 4], [5, 6]], sent);
        Assert.False(onPool, "a batch was sent from a thread-pool thread");
    }

    [Fact]
    public async Task ItemsAskedForWhileTheThreadLingersGoInItsBatch()
    {
        var sent = new List<int[]>();
        var thread = new BatchThread<int, int>("test", maxBatch: 10, TimeSpan.FromMilliseconds(300), items =>
        {
            lock (sent)
            {
                sent.Add([.. items]);
            }
            return [.. items];
        });

        var answers = Enumerable.Range(1, 3).Select(item => thread.AskAsync(item, CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(answers).WaitAsync(Timeout);

        Assert.Equal([1, 2, 3], results);
        Assert.Equal([[1, 2, 3]], sent);
    }

    [Fact]
    public async Task ASendThatThrowsFailsItsOwnBatchOnlyAndTheThreadGoesOn()
    {
        var thread = new BatchThread<int, int>("test", maxBatch: 10, TimeSpan.Zero, items => items[0] < 0 ? throw new IOException("disk gone") : [.. items]);

        var failed = await Assert.ThrowsAsync<IOException>(() => thread.AskAsync(-1, CancellationToken.None).WaitAsync(Timeout));
        var answered = await thread.AskAsync(7, CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal("disk gone", failed.Message);
        Assert.Equal(7, answered);
    }
}
