using Sos.Core.Cluster;

namespace Sos.Tests.Unit;

public sealed class BatcherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task QuestionsAskedWhileABatchIsOutGoTogetherInTheNext()
    {
        var batcher = new Batcher<int, int>(maxBatch: 10, maxInFlight: 1);
        var sent = new List<int[]>();
        var firstAnswer = new TaskCompletionSource();
        Task<IReadOnlyList<int>> Send(IReadOnlyList<int> items)
        {
            lock (sent)
            {
                sent.Add([.. items]);
            }
            return sent.Count == 1
                ? firstAnswer.Task.ContinueWith(_ => (IReadOnlyList<int>)[.. items.Select(item => item * 10)], TaskScheduler.Default)
                : Task.FromResult<IReadOnlyList<int>>([.. items.Select(item => item * 10)]);
        }

        var first = batcher.AskAsync(1, Send, CancellationToken.None);
        var queued = Enumerable.Range(2, 3).Select(item => batcher.AskAsync(item, Send, CancellationToken.None)).ToArray();
        firstAnswer.SetResult();

        Assert.Equal(10, await first.WaitAsync(Timeout));
        var answers = await Task.WhenAll(queued).WaitAsync(Timeout);
        Assert.Equal([20, 30, 40], answers);
        Assert.Equal([[1], [2, 3, 4]], sent);
    }

    [Fact]
    public async Task QuestionsAskedWhileTheFirstLingersGoInItsRequest()
    {
        var batcher = new Batcher<int, int>(maxBatch: 10, maxInFlight: 1, linger: TimeSpan.FromMilliseconds(300));
        var sent = new List<int[]>();
        Task<IReadOnlyList<int>> Send(IReadOnlyList<int> items)
        {
            lock (sent)
            {
                sent.Add([.. items]);
            }
            return Task.FromResult<IReadOnlyList<int>>([.. items.Select(item => item * 10)]);
        }

        var answers = Enumerable.Range(1, 3).Select(item => batcher.AskAsync(item, Send, CancellationToken.None)).ToArray();
        lock (sent)
        {
            Assert.Empty(sent);
        }

        var results = await Task.WhenAll(answers).WaitAsync(Timeout);
        Assert.Equal([10, 20, 30], results);
        Assert.Equal([[1, 2, 3]], sent);
    }

    [Fact]
    public async Task ASendThatFailsFailsEveryQuestionOfItsBatchAndNoOther()
    {
        var batcher = new Batcher<int, int>(maxBatch: 10, maxInFlight: 1);
        var gate = new TaskCompletionSource();
        var calls = 0;
        Task<IReadOnlyList<int>> Send(IReadOnlyList<int> items) => Interlocked.Increment(ref calls) switch
        {
            1 => gate.Task.ContinueWith<IReadOnlyList<int>>(_ => [.. items], TaskScheduler.Default),
            2 => Task.FromException<IReadOnlyList<int>>(new HttpRequestException("refused")),
            _ => Task.FromResult<IReadOnlyList<int>>([.. items]),
        };

        var first = batcher.AskAsync(1, Send, CancellationToken.None);
        var failing = new[] { batcher.AskAsync(2, Send, CancellationToken.None), batcher.AskAsync(3, Send, CancellationToken.None) };
        gate.SetResult();
        await first.WaitAsync(Timeout);
        foreach (var question in failing)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => question.WaitAsync(Timeout));
        }

        Assert.Equal(4, await batcher.AskAsync(4, Send, CancellationToken.None).WaitAsync(Timeout));
    }

    /// <summary>
    /// A caller continues on the thread that read its batch's answer: asking the same batcher
    /// again from there must queue for the next batch, not wait on the one still being answered.
    /// </summary>
    [Fact]
    public async Task ACallerThatAsksAgainAsSoonAsItIsAnsweredIsAnsweredToo()
    {
        var batcher = new Batcher<int, int>(maxBatch: 10, maxInFlight: 1);
        var gate = new TaskCompletionSource();
        var batches = 0;
        Task<IReadOnlyList<int>> Send(IReadOnlyList<int> items) =>
            Interlocked.Increment(ref batches) == 1
                ? gate.Task.ContinueWith<IReadOnlyList<int>>(_ => [.. items], TaskScheduler.Default)
                : Task.Run<IReadOnlyList<int>>(() => [.. items]);

        async Task<int> AskTwiceAsync(int item)
        {
            var once = await batcher.AskAsync(item, Send, CancellationToken.None);
            return once + await batcher.AskAsync(item + 100, Send, CancellationToken.None);
        }

        var callers = Enumerable.Range(1, 5).Select(AskTwiceAsync).ToArray();
        gate.SetResult();

        var sums = await Task.WhenAll(callers).WaitAsync(Timeout);
        Assert.Equal([102, 104, 106, 108, 110], sums);
    }

    [Fact]
    public async Task AnIdleBatcherAsksAtOnceWithOneQuestion()
    {
        var batcher = new Batcher<int, int>(maxBatch: 10, maxInFlight: 1);
        var sizes = new List<int>();
        Task<IReadOnlyList<int>> Send(IReadOnlyList<int> items)
        {
            sizes.Add(items.Count);
            return Task.FromResult<IReadOnlyList<int>>([.. items]);
        }

        for (var item = 0; item < 3; item++)
        {
            Assert.Equal(item, await batcher.AskAsync(item, Send, CancellationToken.None).WaitAsync(Timeout));
        }

        Assert.Equal([1, 1, 1], sizes);
    }
}
