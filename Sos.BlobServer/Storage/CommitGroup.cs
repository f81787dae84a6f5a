namespace Sos.BlobServer.Storage;

/// <summary>
/// Writes staged side by side (the copies of one batch) and handed to the committer at once
/// (<see cref="IDurableCommitter.CommitAllAsync"/>), so that they share their flushes: committed
/// one by one, the first would start a flush before the rest were staged. Each write joins the
/// group (<see cref="Join"/>) before the group is closed; the group commits once every member has
/// either staged its write or ended without one.
/// </summary>
public sealed class CommitGroup(IDurableCommitter committer)
{
    private readonly Lock _lock = new();
    private readonly List<StagedBlob> _gathered = [];
    private readonly TaskCompletionSource<IReadOnlyList<Task>> _submitted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waitingFor;
    private bool _closed;

    /// <summary>A place in the group for one write: give it to the write, and dispose of it once the write has ended.</summary>
    public GroupMember Join()
    {
        lock (_lock)
        {
            if (_closed)
            {
                throw new InvalidOperationException("This group is closed to new writes.");
            }
            _waitingFor++;
        }
        return new GroupMember(this);
    }

    /// <summary>No more writes join: the group commits as soon as its members are ready, or now if they are.</summary>
    public void Close(CancellationToken cancellationToken)
    {
        bool ready;
        lock (_lock)
        {
            _closed = true;
            ready = _waitingFor == 0;
        }
        if (ready)
        {
            Submit(cancellationToken);
        }
    }

    /// <summary>A member's staged write; returns once it is durable (or failed), as the committer's own commit does.</summary>
    internal async Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        var index = Arrive(staged, cancellationToken);
        // Not cancelled while it waits: the committer owns the staged files once it is handed
        // them, and every other member is on its way to the submission.
        var commits = await _submitted.Task.ConfigureAwait(false);
        await commits[index].ConfigureAwait(false);
    }

    /// <summary>A member that ended without a write to commit (refused, failed, cancelled).</summary>
    internal void Leave() => Arrive(staged: null, CancellationToken.None);

    /// <summary>
    /// Counts a member as ready, with its staged write or without one, and submits the group when
    /// it was the last one of a closed group. Returns the write's place among the gathered ones.
    /// </summary>
    private int Arrive(StagedBlob? staged, CancellationToken cancellationToken)
    {
        int index;
        bool ready;
        lock (_lock)
        {
            index = _gathered.Count;
            if (staged is not null)
            {
                _gathered.Add(staged);
            }
            ready = --_waitingFor == 0 && _closed;
        }
        if (ready)
        {
            Submit(cancellationToken);
        }
        return index;
    }

    private void Submit(CancellationToken cancellationToken)
    {
        try
        {
            _submitted.SetResult(_gathered.Count == 0 ? [] : committer.CommitAllAsync([.. _gathered], cancellationToken));
        }
        catch (Exception ex)
        {
            _submitted.SetException(ex);
        }
    }
}
