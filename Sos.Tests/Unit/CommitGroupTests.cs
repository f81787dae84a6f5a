using Sos.BlobServer.Storage;

namespace Sos.Tests.Unit;

public sealed class CommitGroupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MembersWaitForEveryOtherMemberAndReachTheCommitterInOneCall()
    {
        var committer = new RecordingCommitter();
        var group = new CommitGroup(committer);
        var members = Enumerable.Range(0, 3).Select(_ => group.Join()).ToList();
        group.Close(CancellationToken.None);

        var first = members[0].CommitAsync(Staged(0), CancellationToken.None);
        var second = members[1].CommitAsync(Staged(1), CancellationToken.None);
        await Task.Delay(50);
        // The third member has neither staged its write nor left.
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        Assert.Empty(committer.Calls);

        var third = members[2].CommitAsync(Staged(2), CancellationToken.None);
        await Task.WhenAll(first, second, third).WaitAsync(Timeout);

        var call = Assert.Single(committer.Calls);
        Assert.Equal(["a0", "a1", "a2"], call.Select(staged => staged.TempData));
    }

    [Fact]
    public async Task AMemberThatLeavesWithoutAWriteLetsTheOthersCommit()
    {
        var committer = new RecordingCommitter();
        var group = new CommitGroup(committer);
        var staying = group.Join();
        var leaving = group.Join();
        group.Close(CancellationToken.None);

        var commit = staying.CommitAsync(Staged(0), CancellationToken.None);
        await Task.Delay(50);
        Assert.False(commit.IsCompleted);
        leaving.Dispose();
        await commit.WaitAsync(Timeout);
        staying.Dispose(); // after its commit: changes nothing

        Assert.Equal(["a0"], Assert.Single(committer.Calls).Select(staged => staged.TempData));
        Assert.Throws<InvalidOperationException>(() => { _ = staying.CommitAsync(Staged(1), CancellationToken.None); });
    }

    [Fact]
    public async Task TheGroupWaitsToBeClosedAndTakesNoMembersAfter()
    {
        var committer = new RecordingCommitter();
        var group = new CommitGroup(committer);
        var member = group.Join();
        var commit = member.CommitAsync(Staged(0), CancellationToken.None);
        await Task.Delay(50);
        // Every member so far is ready, but another may still join.
        Assert.False(commit.IsCompleted);

        group.Close(CancellationToken.None);
        await commit.WaitAsync(Timeout);
        Assert.Throws<InvalidOperationException>(() => group.Join());
        Assert.Single(committer.Calls);
    }

    [Fact]
    public async Task EachWriteGetsItsOwnOutcome()
    {
        var failure = new IOException("rename failed");
        var committer = new RecordingCommitter { Fails = staged => staged.TempData == "a1" ? failure : null };
        var group = new CommitGroup(committer);
        var members = Enumerable.Range(0, 3).Select(_ => group.Join()).ToList();
        group.Close(CancellationToken.None);

        var commits = members.Select((member, i) => member.CommitAsync(Staged(i), CancellationToken.None)).ToList();

        await commits[0].WaitAsync(Timeout);
        Assert.Same(failure, await Assert.ThrowsAsync<IOException>(() => commits[1].WaitAsync(Timeout)));
        await commits[2].WaitAsync(Timeout);
    }

    [Fact]
    public async Task ACommitterThatThrowsFailsEveryMember()
    {
        var failure = new ObjectDisposedException("committer");
        var group = new CommitGroup(new RecordingCommitter { Throws = failure });
        var members = Enumerable.Range(0, 2).Select(_ => group.Join()).ToList();
        group.Close(CancellationToken.None);

        var commits = members.Select((member, i) => member.CommitAsync(Staged(i), CancellationToken.None)).ToList();

        foreach (var commit in commits)
        {
            Assert.Same(failure, await Assert.ThrowsAsync<ObjectDisposedException>(() => commit.WaitAsync(Timeout)));
        }
    }

    private static StagedBlob Staged(int i) => new($"a{i}", $"a{i}.meta", $"b{i}", $"b{i}.meta", 10);

    /// <summary>Records what each call was given and answers each write at once.</summary>
    private sealed class RecordingCommitter : IDurableCommitter
    {
        private readonly List<IReadOnlyList<StagedBlob>> _calls = [];

        public Func<StagedBlob, Exception?> Fails { get; init; } = _ => null;

        public Exception? Throws { get; init; }

        public IReadOnlyList<IReadOnlyList<StagedBlob>> Calls
        {
            get
            {
                lock (_calls)
                {
                    return [.. _calls];
                }
            }
        }

        public Exception? Fault => null;

        public bool NeedsWriterFlush(long size) => false;

        public bool CoversNewDirectories(long size) => true;

        public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken) => CommitAllAsync([staged], cancellationToken)[0];

        public IReadOnlyList<Task> CommitAllAsync(IReadOnlyList<StagedBlob> staged, CancellationToken cancellationToken)
        {
            if (Throws is { } thrown)
            {
                throw thrown;
            }
            lock (_calls)
            {
                _calls.Add([.. staged]);
            }
            return [.. staged.Select(write => Fails(write) is { } failure ? Task.FromException(failure) : Task.CompletedTask)];
        }
    }
}
