using System.IO.Pipelines;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class PipeCopyTests
{
    private const int Segment = 64 * 1024;
    private const int MaxSegment = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SegmentsGrowWithWhatTheReaderTookUpToTheLargest()
    {
        var budget = new SegmentBudget(MaxSegment, 32 * MaxSegment);
        var pipe = ResponseLikePipe();
        var source = new RecordingSource(4 * MaxSegment);
        var drained = DrainAsync(pipe.Reader);

        await PipeCopy.CopyAsync(source.ReadAsync, pipe.Writer, Segment, CancellationToken.None, budget).WaitAsync(Timeout);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(4 * MaxSegment, await drained.WaitAsync(Timeout));
        Assert.Equal([Segment, Segment, 2 * Segment, 4 * Segment, 8 * Segment, MaxSegment, MaxSegment, MaxSegment, MaxSegment], source.Offered);
        Assert.Equal(32 * MaxSegment, budget.Available);
    }

    [Fact]
    public async Task OnceTheBudgetIsShortSegmentsStayAtTheFirstSize()
    {
        var budget = new SegmentBudget(MaxSegment, 3 * Segment);
        var pipe = ResponseLikePipe();
        var source = new RecordingSource(MaxSegment);
        var drained = DrainAsync(pipe.Reader);

        await PipeCopy.CopyAsync(source.ReadAsync, pipe.Writer, Segment, CancellationToken.None, budget).WaitAsync(Timeout);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(MaxSegment, await drained.WaitAsync(Timeout));
        // 128 and 256 KiB take 64 and 192 KiB of the budget, one at a time; 512 KiB would take 448.
        Assert.Equal([Segment, Segment, 2 * Segment, 4 * Segment, .. Enumerable.Repeat(Segment, 9)], source.Offered);
        Assert.Equal(3 * Segment, budget.Available);
    }

    [Fact]
    public async Task AReaderThatTakesNothingHasOneFirstSegmentFilledForIt()
    {
        var budget = new SegmentBudget(MaxSegment, 32 * MaxSegment);
        var pipe = ResponseLikePipe();
        var source = new RecordingSource(long.MaxValue);
        using var stop = new CancellationTokenSource();

        var copy = PipeCopy.CopyAsync(source.ReadAsync, pipe.Writer, Segment, stop.Token, budget);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.WaitAsync(Timeout));
        Assert.Equal([Segment], source.Offered);
        Assert.Equal(32 * MaxSegment, budget.Available);
    }

    [Fact]
    public async Task AReaderThatStopsHasNoMoreHeldForItThanItTookAndTheBudgetComesBack()
    {
        var budget = new SegmentBudget(MaxSegment, 32 * MaxSegment);
        var pipe = ResponseLikePipe();
        var source = new RecordingSource(long.MaxValue);
        using var stop = new CancellationTokenSource();

        var copy = PipeCopy.CopyAsync(source.ReadAsync, pipe.Writer, Segment, stop.Token, budget);
        Assert.Equal(4 * Segment, await DrainAsync(pipe.Reader, stopAfter: 4 * Segment).WaitAsync(Timeout));
        await Task.Delay(TimeSpan.FromMilliseconds(200));

        // It took 256 KiB: the segment now held for it is as large, 192 KiB of it from the budget.
        Assert.Equal([Segment, Segment, 2 * Segment, 4 * Segment], source.Offered);
        Assert.Equal(32 * MaxSegment - 3 * Segment, budget.Available);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.WaitAsync(Timeout));
        Assert.Equal(32 * MaxSegment, budget.Available);
    }

    [Fact]
    public async Task WithoutABudgetEverySegmentIsTheSame()
    {
        var pipe = new Pipe();
        var source = new RecordingSource(10 * Segment);
        var drained = DrainAsync(pipe.Reader);

        await PipeCopy.CopyAsync(source.ReadAsync, pipe.Writer, Segment, CancellationToken.None).WaitAsync(Timeout);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(10 * Segment, await drained.WaitAsync(Timeout));
        Assert.All(source.Offered, size => Assert.Equal(Segment, size));
    }

    /// <summary>A pipe whose flushes wait, as a Kestrel response's do, until its reader took all but 64 KiB.</summary>
    private static Pipe ResponseLikePipe() => new(new PipeOptions(pauseWriterThreshold: Segment, resumeWriterThreshold: Segment));

    /// <summary>Reads everything until the writer completes, or until it has read <paramref name="stopAfter"/> bytes.</summary>
    private static async Task<long> DrainAsync(PipeReader reader, long stopAfter = long.MaxValue)
    {
        var total = 0L;
        while (true)
        {
            var result = await reader.ReadAsync();
            total += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (total >= stopAfter)
            {
                return total;
            }
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return total;
            }
        }
    }

    /// <summary>A source of <c>length</c> bytes that fills every read it is offered and records the read's size.</summary>
    private sealed class RecordingSource(long length)
    {
        private readonly List<int> _offered = [];
        private long _left = length;

        public int[] Offered
        {
            get
            {
                lock (_offered)
                {
                    return [.. _offered];
                }
            }
        }

        public ValueTask<int> ReadAsync(Memory<byte> memory, CancellationToken cancellationToken)
        {
            lock (_offered)
            {
                _offered.Add(memory.Length);
            }
            var count = (int)Math.Min(memory.Length, _left);
            _left -= count;
            return ValueTask.FromResult(count);
        }
    }
}
