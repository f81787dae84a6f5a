using System.Collections.Concurrent;
using Sos.Core.Placement;

namespace Sos.Tests.Unit;

// Inside Sos.*, the namespace Sos.BlobServer would hide the type imported above.
using BlobServer = Sos.Core.Placement.BlobServer;

public sealed class ReplicaFanOutTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly BlobServer[] _candidates = [.. Enumerable.Range(0, 5).Select(i => BlobServer.Parse($"http://blob{i}"))];
    private readonly ConcurrentQueue<string> _called = new();

    [Fact]
    public async Task WhenEveryWriteSucceedsOnlyTheFirstTwoAreWritten()
    {
        var result = await ReplicaFanOut.WriteAsync(_candidates, 2, Succeed, CancellationToken.None);

        Assert.Equal(["blob0", "blob1"], Sorted(result.Written.Select(server => server.Name)));
        Assert.Empty(result.Failures);
        Assert.Equal(["blob0", "blob1"], Sorted(_called));
    }

    [Fact]
    public async Task WhenTheFirstFailsTheThirdTakesItsCopy()
    {
        var refused = new IOException("blob0 is down");

        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            async (server, cancellationToken) =>
            {
                await Succeed(server, cancellationToken);
                if (server.Name == "blob0")
                {
                    throw refused;
                }
            },
            CancellationToken.None);

        Assert.Equal(["blob1", "blob2"], Sorted(result.Written.Select(server => server.Name)));
        var (failed, error) = Assert.Single(result.Failures);
        Assert.Equal("blob0", failed.Name);
        Assert.Same(refused, error);
        Assert.Equal(["blob0", "blob1", "blob2"], Sorted(_called));
    }

    [Fact]
    public async Task WhenAllButOneFailOneIsWrittenAndEveryFailureIsListed()
    {
        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            async (server, cancellationToken) =>
            {
                await Succeed(server, cancellationToken);
                if (server.Name != "blob3")
                {
                    throw new HttpRequestException($"{server.Name} refused");
                }
            },
            CancellationToken.None);

        Assert.Equal("blob3", Assert.Single(result.Written).Name);
        Assert.Equal(["blob0", "blob1", "blob2", "blob4"], Sorted(result.Failures.Select(failure => failure.Server.Name)));
        Assert.All(result.Failures, failure =>
        {
            var error = Assert.IsType<HttpRequestException>(failure.Error);
            Assert.Equal($"{failure.Server.Name} refused", error.Message);
        });
        Assert.Equal(["blob0", "blob1", "blob2", "blob3", "blob4"], Sorted(_called));
    }

    [Fact]
    public async Task WhenEveryWriteFailsNothingIsWritten()
    {
        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            (server, _) => Task.FromException(new IOException(server.Name)),
            CancellationToken.None);

        Assert.Empty(result.Written);
        Assert.Equal(["blob0", "blob1", "blob2", "blob3", "blob4"], Sorted(result.Failures.Select(failure => failure.Server.Name)));
    }

    /// <summary>
    /// Writes that are done before they return (an answer already there) may all return the one
    /// cached completed task: each still counts once, for its own server.
    /// </summary>
    [Fact]
    public async Task WritesDoneBeforeTheyReturnAreEachCounted()
    {
        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            3,
            (server, _) =>
            {
                _called.Enqueue(server.Name);
                return server.Name == "blob1" ? Task.FromException(new IOException("blob1 is full")) : Task.CompletedTask;
            },
            CancellationToken.None);

        Assert.Equal(["blob0", "blob2", "blob3"], Sorted(result.Written.Select(server => server.Name)));
        Assert.Equal("blob1", Assert.Single(result.Failures).Server.Name);
        Assert.Equal(["blob0", "blob1", "blob2", "blob3"], Sorted(_called));
    }

    [Fact]
    public async Task AWriteThatThrowsBeforeReturningATaskCountsAsAFailure()
    {
        var broken = new InvalidOperationException("thrown synchronously");

        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            (server, cancellationToken) =>
            {
                if (server.Name == "blob1")
                {
                    _called.Enqueue(server.Name);
                    throw broken;
                }
                return Succeed(server, cancellationToken);
            },
            CancellationToken.None);

        Assert.Equal(["blob0", "blob2"], Sorted(result.Written.Select(server => server.Name)));
        var (failed, error) = Assert.Single(result.Failures);
        Assert.Equal("blob1", failed.Name);
        Assert.Same(broken, error);
        Assert.Equal(["blob0", "blob1", "blob2"], Sorted(_called));
    }

    [Fact]
    public async Task TheCopiesAreWrittenAtTheSameTime()
    {
        // Neither of the first two writes finishes until both have started, so a fan-out that
        // wrote one copy after the other would time out here.
        var started = 0;
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            async (server, cancellationToken) =>
            {
                _called.Enqueue(server.Name);
                if (Interlocked.Increment(ref started) == 2)
                {
                    bothStarted.SetResult();
                }
                await bothStarted.Task.WaitAsync(Patience, cancellationToken);
            },
            CancellationToken.None);

        Assert.Equal(["blob0", "blob1"], Sorted(result.Written.Select(server => server.Name)));
        Assert.Equal(["blob0", "blob1"], Sorted(_called));
    }

    [Fact]
    public async Task AFailureHandsOffWithoutWaitingForASlowerWrite()
    {
        // blob0 is slow: it finishes only once blob2 has started, which must happen as soon
        // as blob1 fails, not after blob0 is done.
        var thirdStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            async (server, cancellationToken) =>
            {
                _called.Enqueue(server.Name);
                switch (server.Name)
                {
                    case "blob0":
                        await thirdStarted.Task.WaitAsync(Patience, cancellationToken);
                        break;
                    case "blob1":
                        throw new IOException("blob1 is down");
                    case "blob2":
                        thirdStarted.SetResult();
                        break;
                }
            },
            CancellationToken.None);

        Assert.Equal(["blob0", "blob2"], Sorted(result.Written.Select(server => server.Name)));
        Assert.Equal("blob1", Assert.Single(result.Failures).Server.Name);
    }

    [Fact]
    public async Task NoMoreThanTheWantedCopiesAreInFlightAtOnce()
    {
        var inFlight = 0;
        var most = 0;

        var result = await ReplicaFanOut.WriteAsync(
            _candidates,
            2,
            async (server, _) =>
            {
                var now = Interlocked.Increment(ref inFlight);
                InterlockedMax(ref most, now);
                await Task.Delay(10, CancellationToken.None);
                Interlocked.Decrement(ref inFlight);
                throw new IOException(server.Name);
            },
            CancellationToken.None);

        Assert.Equal(5, result.Failures.Count);
        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task FewerCandidatesThanCopiesWritesToAllOfThem()
    {
        var result = await ReplicaFanOut.WriteAsync(_candidates[..1], 2, Succeed, CancellationToken.None);

        Assert.Equal("blob0", Assert.Single(result.Written).Name);
        Assert.Empty(result.Failures);
    }

    [Fact]
    public async Task NoCandidatesWritesNothing()
    {
        var result = await ReplicaFanOut.WriteAsync([], 2, Succeed, CancellationToken.None);

        Assert.Empty(result.Written);
        Assert.Empty(result.Failures);
        Assert.Empty(_called);
    }

    [Fact]
    public async Task ACancelledFanOutStartsNoWriteAndNoHandoff()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var result = await ReplicaFanOut.WriteAsync(_candidates, 2, Succeed, cancelled.Token);

        Assert.Empty(result.Written);
        Assert.Equal(["blob0", "blob1"], Sorted(result.Failures.Select(failure => failure.Server.Name)));
        Assert.All(result.Failures, failure => Assert.IsAssignableFrom<OperationCanceledException>(failure.Error));
        Assert.Empty(_called);
    }

    private async Task Succeed(BlobServer server, CancellationToken cancellationToken)
    {
        _called.Enqueue(server.Name);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
    }

    private static string[] Sorted(IEnumerable<string> names) => [.. names.Order(StringComparer.Ordinal)];

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
