namespace Sos.BlobServer.Storage;

/// <summary>
/// One write's place in a <see cref="CommitGroup"/>: it commits through the group, or, disposed of
/// without having committed, lets the group go on without it.
/// </summary>
public sealed class GroupMember : IDisposable
{
    private readonly CommitGroup _group;
    private int _done;

    internal GroupMember(CommitGroup group) => _group = group;

    /// <summary>Commits the write with the rest of its group. A member commits at most once.</summary>
    public Task CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            throw new InvalidOperationException("This member of the group has committed or left already.");
        }
        return _group.CommitAsync(staged, cancellationToken);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _group.Leave();
        }
    }
}
