using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Replicator.Cluster;

namespace Sos.Tests.Unit;

// Inside the namespace: Sos.BlobServer, the project, would otherwise win the name.
using BlobServer = Sos.Core.Placement.BlobServer;

/// <summary>
/// Blob servers in memory, behind the replicator's adapter: each has an identity, good copies,
/// damaged copies (listed, but failing verification, which quarantines them), a trash and leases.
/// Several addresses may reach one server, as one server under two names does. Every copy is
/// <see cref="CopySize"/> bytes.
/// </summary>
internal sealed class FakeBlobServers : IBlobServerAdapter
{
    public const long CopySize = 100;

    private readonly Lock _lock = new();
    private readonly Dictionary<Uri, Server> _byAddress = [];
    private int _removals;

    /// <summary>Adds a server reachable at <paramref name="addresses"/> (base addresses such as <c>http://blob0/</c>).</summary>
    public Server Add(string identity, params string[] addresses)
    {
        var server = new Server(identity);
        foreach (var address in addresses)
        {
            _byAddress[new Uri(address)] = server;
        }
        return server;
    }

    /// <summary>Grants every lease asked for, as a cluster without leases would: what two rebalancing passes did before.</summary>
    public bool IgnoreLeases { get; set; }

    /// <summary>Run once, before the first copy is removed.</summary>
    public Func<Task>? BeforeFirstRemoval { get; set; }

    public List<(Server Server, ObjectId Id)> Verifications { get; } = [];

    public Server this[BlobServer server] => _byAddress[server.BaseAddress];

    public Task<string?> ReadIdentityAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        return Task.FromResult(target.Identity.Length == 0 ? null : target.Identity);
    }

    public Task<ListingPage> ListPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            IReadOnlyList<ObjectId> page = [.. target.Good.Concat(target.Damaged).Where(id => after is null || id > after.Value).Order().Take(limit)];
            return Task.FromResult(new ListingPage(page, page.Count < limit));
        }
    }

    public Task<CopyMade> CopyAsync(ObjectId id, IReadOnlyList<BlobServer> sources, BlobServer target, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var source = sources.FirstOrDefault(source => !Reach(source).Down && Reach(source).Good.Contains(id))
                ?? throw new InvalidOperationException($"No holder of {id} could be read.");
            var to = Reach(target);
            if (to.RefusesCopies)
            {
                throw new HttpRequestException($"{target} refused the copy");
            }
            to.Good.Add(id);
            if (to.FailsAfterStoring)
            {
                throw new TaskCanceledException($"{target} stored the copy but its answer never came");
            }
            return Task.FromResult(new CopyMade(source, CopySize));
        }
    }

    public Task<CopyCheck> VerifyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            Verifications.Add((target, id));
            if (target.Good.Contains(id))
            {
                return Task.FromResult(CopyCheck.Good(CopySize));
            }
            if (target.Damaged.Remove(id))
            {
                target.Quarantine.Add(id);
                return Task.FromResult(CopyCheck.Bad);
            }
            return Task.FromResult(CopyCheck.Missing);
        }
    }

    public async Task<bool> RemoveAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _removals, 1) == 0 && BeforeFirstRemoval is { } hook)
        {
            await hook();
        }
        var target = Reach(server);
        lock (_lock)
        {
            if (!target.Good.Remove(id))
            {
                return false;
            }
            target.Trash.Add(id);
            return true;
        }
    }

    public Task<bool> HoldLeaseAsync(BlobServer server, string name, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            if (!IgnoreLeases && target.Leases.TryGetValue(name, out var current) && current != holder)
            {
                return Task.FromResult(false);
            }
            target.Leases[name] = holder;
            return Task.FromResult(true);
        }
    }

    public Task ReleaseLeaseAsync(BlobServer server, string name, string holder, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            if (target.Leases.TryGetValue(name, out var current) && current == holder)
            {
                target.Leases.Remove(name);
            }
            return Task.CompletedTask;
        }
    }

    public Task<ReplicatorMark?> ReadMarkAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            return Task.FromResult(target.KeepsMarks ? new ReplicatorMark(target.SeenAt, target.CreatedAt) : null);
        }
    }

    public Task WriteMarkAsync(BlobServer server, DateTimeOffset seenAt, CancellationToken cancellationToken)
    {
        var target = Reach(server);
        lock (_lock)
        {
            target.SeenAt = target.SeenAt is { } held && held > seenAt ? held : seenAt;
            return Task.CompletedTask;
        }
    }

    /// <summary>Good copies of <paramref name="id"/> across the distinct servers.</summary>
    public int GoodCopies(ObjectId id)
    {
        lock (_lock)
        {
            return _byAddress.Values.Distinct().Count(server => server.Good.Contains(id));
        }
    }

    private Server Reach(BlobServer server)
    {
        var target = _byAddress[server.BaseAddress];
        return target.Down ? throw new HttpRequestException($"{server}: connection refused") : target;
    }

    /// <summary>One physical blob server. An empty identity is none (an original sos blob server).</summary>
    internal sealed class Server(string identity)
    {
        public string Identity { get; } = identity;

        public SortedSet<ObjectId> Good { get; } = [];

        /// <summary>Copies whose bytes no longer match their id: listed until a verification quarantines them.</summary>
        public SortedSet<ObjectId> Damaged { get; } = [];

        public HashSet<ObjectId> Quarantine { get; } = [];

        public HashSet<ObjectId> Trash { get; } = [];

        public Dictionary<string, string> Leases { get; } = [];

        public bool Down { get; set; }

        public bool RefusesCopies { get; set; }

        /// <summary>Stores a copy, then the answer is lost: the replicator sees a failed copy.</summary>
        public bool FailsAfterStoring { get; set; }

        /// <summary>A server with <c>/replicator/seen</c>: any with an identity (an original one has neither).</summary>
        public bool KeepsMarks { get; set; } = identity.Length > 0;

        /// <summary>The replicator's mark: the start of the last pass that marked it.</summary>
        public DateTimeOffset? SeenAt { get; set; }

        public DateTimeOffset? CreatedAt { get; set; }
    }
}
