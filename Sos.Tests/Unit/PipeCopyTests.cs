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
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: Segment, resumeWriterThreshold: Segment));
        var total = 4 * MaxSegment;
        var offered = new List<int>();
        var left = total;
        ValueTask<int> Read(Memory<byte> memory, CancellationToken cancellationToken)
        {
            offered.Add(memory.Length);
            var count = Math.Min(memory.Length, left);
            memory.Span[..count].Fill(7);
            left -= count;
            return ValueTask.FromResult(count);
        }
        var drained = DrainAsync(pipe.Reader);

        await PipeCopy.CopyAsync(Read, pipe.Writer, Segment, CancellationToken.None, MaxSegment).WaitAsync(Timeout);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(total, await drained.WaitAsync(Timeout));
        Assert.Equal([Segment, Segment, 2 * Segment, 4 * Segment, 8 * Segment, MaxSegment, MaxSegment, MaxSegment, MaxSegment], offered);
    }

    [Fact]
    public async Task AReaderThatTakesNothingHasOneFirstSegmentFilledForIt()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: Segment, resumeWriterThreshold: Segment));
        var offered = new List<int>();
        ValueTask<int> Read(Memory<byte> memory, CancellationToken cancellationToken)
        {
            offered.Add(memory.Length);
            return ValueTask.FromResult(memory.Length);
        }
        using var stop = new CancellationTokenSource();

        var copy = PipeCopy.CopyAsync(Read, pipe.Writer, Segment, stop.Token, MaxSegment);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copy.WaitAsync(Timeout));
        Assert.Equal([Segment], offered);
    }

    [Fact]
    public async Task WithoutALargestSizeEverySegmentIsTheSame()
    {
        var pipe = new Pipe();
        var offered = new List<int>();
        var left = 10 * Segment;
        ValueTask<int> Read(Memory<byte> memory, CancellationToken cancellationToken)
        {
            offered.Add(memory.Length);
            var count = Math.Min(memory.Length, left);
            left -= count;
            return ValueTask.FromResult(count);
        }
        var drained = DrainAsync(pipe.Reader);

        await PipeCopy.CopyAsync(Read, pipe.Writer, Segment, CancellationToken.None).WaitAsync(Timeout);
        await pipe.Writer.CompleteAsync();

        Assert.Equal(10 * Segment, await drained.WaitAsync(Timeout));
        Assert.All(offered, size => Assert.Equal(Segment, size));
    }

    private static async Task<long> DrainAsync(PipeReader reader)
    {
        var total = 0L;
        while (true)
        {
            var result = await reader.ReadAsync();
            total += result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                await reader.CompleteAsync();
                return total;
            }
        }
    }
}
