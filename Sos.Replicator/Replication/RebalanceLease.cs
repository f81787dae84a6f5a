using Microsoft.Extensions.Logging;
using Sos.Core.Placement;
using Sos.Replicator.Cluster;

namespace Sos.Replicator.Replication;

/// <summary>
/// The right to remove copies, held by one rebalancing pass at a time in the whole cluster: the
/// lease <c>rebalance</c> on a majority of the distinct blob servers. Two replicators, however
/// they name the servers, reach the same servers, so both cannot hold a majority at once; two
/// passes that disagreed on where objects belong could otherwise each remove the copies the other
/// keeps. The lease is renewed while the pass runs and given back when it ends.
/// </summary>
internal sealed class RebalanceLease : IAsyncDisposable
{
    public const string Name = "rebalance";

    private readonly IBlobServerAdapter _adapter;
    private readonly IReadOnlyList<BlobServer> _servers;
    private readonly TimeSpan _duration;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private Task _renewing = Task.CompletedTask;
    private long _validUntilTicks;
    private int _lostLogged;

    private RebalanceLease(IBlobServerAdapter adapter, IReadOnlyList<BlobServer> servers, TimeSpan duration, TimeProvider time, ILogger logger)
    {
        _adapter = adapter;
        _servers = servers;
        _duration = duration;
        _time = time;
        _logger = logger;
    }

    /// <summary>Who holds it: unique to this pass, readable by whoever looks at a server's leases.</summary>
    public string Holder { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";

    /// <summary>
    /// Whether removals may go on now: the last renewal on a majority started recently enough that
    /// no server can have let the lease expire yet (a quarter of the duration is kept in hand for
    /// removals already on their way).
    /// </summary>
    public bool IsHeld
    {
        get
        {
            var held = _time.GetUtcNow().UtcTicks < Interlocked.Read(ref _validUntilTicks);
            if (!held && Interlocked.Exchange(ref _lostLogged, 1) == 0)
            {
                ReplicationLog.LeaseLost(_logger);
            }
            return held;
        }
    }

    /// <summary>Takes the lease on a majority of <paramref name="servers"/> (distinct servers), or gives back what it got and returns null.</summary>
    public static async Task<RebalanceLease?> TryAcquireAsync(
        IBlobServerAdapter adapter, IReadOnlyList<BlobServer> servers, TimeSpan duration, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var lease = new RebalanceLease(adapter, servers, duration, time, logger);
        var held = await lease.HoldOnServersAsync(cancellationToken);
        if (held < Majority(servers.Count))
        {
            await lease.ReleaseAsync();
            return null;
        }
        ReplicationLog.LeaseHeld(logger, held, servers.Count, lease.Holder);
        lease._renewing = lease.RenewAsync(lease._stopping.Token);
        return lease;
    }

    /// <summary>More than half: two holders can never both have one.</summary>
    public static int Majority(int servers) => (servers / 2) + 1;

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _renewing;
        _stopping.Dispose();
        Interlocked.Exchange(ref _validUntilTicks, 0);
        await ReleaseAsync();
    }

    /// <summary>Takes or renews the lease on every server at once; on a majority, extends <see cref="IsHeld"/>. Returns on how many it is held.</summary>
    private async Task<int> HoldOnServersAsync(CancellationToken cancellationToken)
    {
        // Timed from before the requests: each server counts the lease from when it received one.
        var asked = _time.GetUtcNow();
        var answers = await Task.WhenAll(_servers.Select(async server =>
        {
            try
            {
                if (await _adapter.HoldLeaseAsync(server, Name, Holder, _duration, cancellationToken))
                {
                    return true;
                }
                ReplicationLog.LeaseAttemptFailed(_logger, server, "held by another pass");
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A failure here is rare: describing it costs nothing worth guarding.
                var reason = ReplicationLog.Describe(ex);
                ReplicationLog.LeaseAttemptFailed(_logger, server, reason);
            }
            return false;
        }));
        var held = answers.Count(answer => answer);
        if (held >= Majority(_servers.Count))
        {
            Interlocked.Exchange(ref _validUntilTicks, (asked + (_duration * 0.75)).UtcTicks);
        }
        return held;
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_duration / 4, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await HoldOnServersAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The pass is over; the lease is given back next.
        }
    }

    private async Task ReleaseAsync()
    {
        // Given back even when the pass was cancelled: otherwise the next pass waits out the lease.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Task.WhenAll(_servers.Select(async server =>
        {
            try
            {
                await _adapter.ReleaseLeaseAsync(server, Name, Holder, timeout.Token);
            }
            catch (Exception ex)
            {
                ReplicationLog.LeaseReleaseFailed(_logger, server, ReplicationLog.Describe(ex));
            }
        }));
    }
}
