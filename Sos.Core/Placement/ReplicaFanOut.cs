namespace Sos.Core.Placement;

/// <summary>
/// The fan-out mechanism, free of policy: keeps <c>copies</c> writes in flight over the
/// candidates in order, starts the next candidate whenever one fails (handoff), and returns
/// once <c>copies</c> succeeded or the candidates ran out. The caller decides what is enough.
/// </summary>
public static class ReplicaFanOut
{
    public static async Task<FanOutResult> WriteAsync(
        IReadOnlyList<BlobServer> candidates,
        int copies,
        Func<BlobServer, CancellationToken, Task> writeCopy,
        CancellationToken cancellationToken)
    {
        var written = new List<BlobServer>(copies);
        var failures = new List<(BlobServer, Exception)>();
        // A list, not a dictionary by task: writes that complete before they return can all
        // return the one cached completed task.
        var inFlight = new List<(Task Write, BlobServer Server)>(copies);
        var next = 0;

        void StartNextCandidate()
        {
            var server = candidates[next++];
            inFlight.Add((Start(server), server));
        }

        // Started on the caller's thread, up to the write's first wait: a write that throws before
        // it still counts as a failed task, as does one started after the caller gave up.
        Task Start(BlobServer server)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return Task.FromCanceled(cancellationToken);
            }
            try
            {
                return writeCopy(server, cancellationToken);
            }
            catch (Exception ex)
            {
                return Task.FromException(ex);
            }
        }

        while (next < candidates.Count && inFlight.Count < copies)
        {
            StartNextCandidate();
        }
        while (inFlight.Count > 0)
        {
            var finished = await Task.WhenAny(inFlight.Select(write => write.Write));
            var index = inFlight.FindIndex(write => write.Write == finished);
            var server = inFlight[index].Server;
            inFlight.RemoveAt(index);
            if (finished.IsCompletedSuccessfully)
            {
                written.Add(server);
                continue;
            }
            failures.Add((server, finished.Exception?.InnerException ?? new OperationCanceledException(cancellationToken)));
            if (next < candidates.Count && !cancellationToken.IsCancellationRequested)
            {
                StartNextCandidate();
            }
        }
        return new FanOutResult(written, failures);
    }
}
