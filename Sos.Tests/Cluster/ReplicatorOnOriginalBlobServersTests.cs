using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Replicator;
using Sos.Replicator.Cluster;
using Sos.Replicator.Replication;
using Sos.Tests.Fakes;

namespace Sos.Tests.Cluster;

/// <summary>
/// A replication pass, wired as the replicator wires it (adapter, cluster layer, HTTP), against
/// blob servers that answer as the original sos blob-server does: chunked bodies with no
/// Content-Length, no identity, no verify, no leases.
/// </summary>
public sealed class ReplicatorOnOriginalBlobServersTests : IAsyncLifetime
{
    private readonly OriginalBlobServer[] _servers = new OriginalBlobServer[3];
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        for (var i = 0; i < _servers.Length; i++)
        {
            _servers[i] = await OriginalBlobServer.StartAsync();
        }
        _services = ClusterHost.Services(_servers.Select(server => server.Address));
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(10)]
    [InlineData(300_000)]
    public async Task OnePassRestoresAMissingCopyStreamedWithoutAContentLength(int length)
    {
        var bytes = TestBytes.Random(length, 7);
        var id = TestBytes.IdOf(bytes);
        var holder = ServerAt(Rank(id)[0]);
        holder.Hold(bytes, ("X-Orig-Filename", "a.bin"));

        var report = await Pass(new ReplicationSettings(DryRun: false, Parallelism: 2)).RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Copies);
        Assert.Equal(length, report.Bytes);
        var restored = ServerAt(Rank(id)[1]);
        Assert.Equal(bytes, restored.Copies[id.ToString()].Bytes);
        Assert.Equal("a.bin", restored.Copies[id.ToString()].Metadata["X-Orig-Filename"]);
        Assert.Equal(ExitCodes.Success, ExitCodes.Of(report));
    }

    [Fact]
    public async Task ARebalancingPassOverServersWithoutIdentityRepairsAndRemovesNothing()
    {
        var bytes = TestBytes.Random(1000, 8);
        var id = TestBytes.IdOf(bytes);
        var ranked = Rank(id);
        ServerAt(ranked[0]).Hold(bytes);
        ServerAt(ranked[2]).Hold(bytes); // a handoff copy

        var report = await Pass(new ReplicationSettings(DryRun: false, Parallelism: 2, Rebalance: true)).RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Copies);
        Assert.Equal(0, report.Removed);
        Assert.True(ServerAt(ranked[2]).Copies.ContainsKey(id.ToString()));
        Assert.Contains("gave no identity", report.RebalanceWithheld, StringComparison.Ordinal);
        Assert.Equal(0, report.Failures);
    }

    [Fact]
    public async Task AVerifyingPassCountsNoCopyOfAnOriginalServerAsVerifiedAndLosesNone()
    {
        var bytes = TestBytes.Random(1000, 9);
        var id = TestBytes.IdOf(bytes);
        foreach (var server in Rank(id).Take(2))
        {
            ServerAt(server).Hold(bytes);
        }

        var report = await Pass(new ReplicationSettings(DryRun: false, Parallelism: 2, Verify: true)).RunAsync(CancellationToken.None);

        // Unverified copies do not count, so the pass cannot vouch for the object; it loses none of them.
        Assert.Equal(0, report.VerifiedCopies);
        Assert.NotEqual(ExitCodes.Success, ExitCodes.Of(report));
        Assert.All(Rank(id).Take(2), server => Assert.Equal(bytes, ServerAt(server).Copies[id.ToString()].Bytes));
    }

    private ReplicationPass Pass(ReplicationSettings settings) => new(
        new BlobServerAdapter(_services.GetRequiredService<ClusterClient>(), NullLogger<BlobServerAdapter>.Instance),
        _services.GetRequiredService<BlobCluster>(), settings, TimeProvider.System, NullLogger<ReplicationPass>.Instance);

    private Core.Placement.BlobServer[] Rank(Core.Objects.ObjectId id) => _services.GetRequiredService<BlobCluster>().Rank(id);

    private OriginalBlobServer ServerAt(Core.Placement.BlobServer server) =>
        _servers.Single(original => original.Address == server.BaseAddress || new Uri(original.Address, "/") == server.BaseAddress);
}
