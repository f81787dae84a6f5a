using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Replicator;
using Sos.Replicator.Replication;

namespace Sos.Tests.Unit;

// Inside the namespace: Sos.BlobServer, the project, would otherwise win the name.
using BlobServer = Sos.Core.Placement.BlobServer;

/// <summary>
/// The decisions of a whole pass (what it copies, verifies, removes, and what it reports), over
/// blob servers in memory behind the replicator's adapter.
/// </summary>
public sealed class ReplicationPassTests
{
    private static readonly string[] FiveServers = [.. Enumerable.Range(0, 5).Select(i => $"blob{i}=http://blob{i}")];

    [Fact]
    public async Task AHandoffCopyGoesToTheTrashOnlyAfterEveryPreferredCopyWasVerifiedByHash()
    {
        var (fake, cluster) = FiveServerCluster();
        var id = Id("handoff");
        var ranked = cluster.Rank(id);
        fake[ranked[0]].Good.Add(id);
        fake[ranked[3]].Good.Add(id);

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Copies);
        Assert.Equal(1, report.Removed);
        Assert.Contains(id, fake[ranked[1]].Good);
        Assert.Contains(id, fake[ranked[3]].Trash);
        Assert.DoesNotContain(id, fake[ranked[3]].Good);
        // Both preferred copies were verified, the one just written included.
        Assert.Contains((fake[ranked[0]], id), fake.Verifications);
        Assert.Contains((fake[ranked[1]], id), fake.Verifications);
        Assert.Equal(ExitCodes.Success, ExitCodes.Of(report));
    }

    [Fact]
    public async Task AFailedCopyOfTheObjectKeepsItsHandoffCopiesEvenWhenThePreferredServersNowHoldIt()
    {
        var (fake, cluster) = FiveServerCluster();
        var id = Id("failed copy");
        var ranked = cluster.Rank(id);
        fake[ranked[0]].Good.Add(id);
        fake[ranked[3]].Good.Add(id);
        // The copy lands, but its answer is lost: the pass saw a failure.
        fake[ranked[1]].FailsAfterStoring = true;

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(0, report.Removed);
        Assert.Contains(id, fake[ranked[3]].Good);
        Assert.Equal(1, report.Failures);
    }

    [Fact]
    public async Task APreferredCopyThatFailsVerificationKeepsTheHandoffCopy()
    {
        var (fake, cluster) = FiveServerCluster();
        var id = Id("rotten preferred");
        var ranked = cluster.Rank(id);
        fake[ranked[0]].Damaged.Add(id); // same length, wrong bytes: answers HEAD like a good copy
        fake[ranked[1]].Good.Add(id);
        fake[ranked[4]].Good.Add(id);

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(0, report.Removed);
        Assert.Contains(id, fake[ranked[4]].Good);
        Assert.Contains(id, fake[ranked[0]].Quarantine);
        Assert.Equal(1, report.BadCopies);
    }

    [Fact]
    public async Task WithoutTheLeaseOnAMajorityAPassRepairsButRemovesNothingAndSaysSo()
    {
        var (fake, cluster) = FiveServerCluster();
        foreach (var server in cluster.Servers.Take(3))
        {
            fake[server].Leases[RebalanceLease.Name] = "another replicator";
        }
        var misplaced = Id("misplaced");
        var ranked = cluster.Rank(misplaced);
        fake[ranked[0]].Good.Add(misplaced);
        fake[ranked[2]].Good.Add(misplaced);
        var shortOne = Id("one copy short");
        fake[cluster.Rank(shortOne)[0]].Good.Add(shortOne);

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(2, report.Copies);
        Assert.Equal(0, report.Removed);
        Assert.Contains(misplaced, fake[ranked[2]].Good);
        Assert.Contains("lease", report.RebalanceWithheld);
        Assert.True(report.AtMinimum);
        // The other holder's lease is untouched.
        Assert.All(cluster.Servers.Take(3), server => Assert.Equal("another replicator", fake[server].Leases[RebalanceLease.Name]));
    }

    [Fact]
    public async Task APassHoldsTheLeaseOnAMajorityWhileItRemovesAndGivesItBackAtTheEnd()
    {
        var (fake, cluster) = FiveServerCluster();
        // Two of five held by another (say a replicator that died): three are a majority.
        fake[cluster.Servers[0]].Leases[RebalanceLease.Name] = "a replicator that died";
        fake[cluster.Servers[1]].Leases[RebalanceLease.Name] = "a replicator that died";
        var id = Id("moved");
        var ranked = cluster.Rank(id);
        fake[ranked[0]].Good.Add(id);
        fake[ranked[1]].Good.Add(id);
        fake[ranked[2]].Good.Add(id);
        var heldDuringRemoval = 0;
        fake.BeforeFirstRemoval = () =>
        {
            heldDuringRemoval = cluster.Servers.Count(server => fake[server].Leases.ContainsKey(RebalanceLease.Name)
                && fake[server].Leases[RebalanceLease.Name] != "a replicator that died");
            return Task.CompletedTask;
        };

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(1, report.Removed);
        Assert.Null(report.RebalanceWithheld);
        Assert.Equal(3, heldDuringRemoval);
        Assert.All(cluster.Servers.Skip(2), server => Assert.False(fake[server].Leases.ContainsKey(RebalanceLease.Name)));
    }

    [Fact]
    public async Task OneServerUnderTwoNamesIsCountedOnceAndTheConfigurationErrorFailsThePass()
    {
        var fake = new FakeBlobServers();
        fake.Add(Identity(0), "http://blob0/", "http://10.0.0.10:8080/");
        fake.Add(Identity(1), "http://blob1/");
        fake.Add(Identity(2), "http://blob2/");
        var cluster = Cluster("blob0=http://blob0", "blob1=http://blob1", "blob2=http://blob2", "http://10.0.0.10:8080");
        // Held only by the server that has two names: its two listings must not make two copies.
        var id = Id("alias");
        fake[cluster.Servers[0]].Good.Add(id);

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(3, report.Servers);
        Assert.Equal(1, report.UnderReplicatedBefore);
        Assert.Equal(0, report.UnderReplicatedAfter);
        Assert.True(fake.GoodCopies(id) >= 2, $"{fake.GoodCopies(id)} copies");
        Assert.Equal(0, report.Removed);
        Assert.Contains("10.0.0.10:8080", Assert.Single(report.ConfigurationErrors));
        Assert.NotNull(report.RebalanceWithheld);
        Assert.Equal(ExitCodes.BelowMinimum, ExitCodes.Of(report));
    }

    [Fact]
    public async Task AServerWithoutAnIdentityIsCopiedToButNoCopyIsRemoved()
    {
        var fake = new FakeBlobServers();
        fake.Add(Identity(0), "http://blob0/");
        fake.Add(Identity(1), "http://blob1/");
        fake.Add("", "http://blob2/"); // an original sos blob server
        var cluster = Cluster("blob0=http://blob0", "blob1=http://blob1", "blob2=http://blob2");
        var id = Id("three copies");
        foreach (var server in cluster.Servers)
        {
            fake[server].Good.Add(id);
        }

        var report = await Pass(fake, cluster, Rebalancing).RunAsync(CancellationToken.None);

        Assert.Equal(0, report.Removed);
        Assert.Equal(3, fake.GoodCopies(id));
        Assert.Contains("blob2", report.RebalanceWithheld);
        Assert.Equal(ExitCodes.Success, ExitCodes.Of(report));
    }

    [Fact]
    public async Task TwoRebalancingPassesThatNameTheServersDifferentlyNeverRemoveEveryCopy()
    {
        var (fake, named, byUrl, id) = TwoNamings();

        var (first, second) = await InterleavedPassesAsync(fake, named, byUrl);

        Assert.True(fake.GoodCopies(id) >= 2, $"{fake.GoodCopies(id)} copies left");
        Assert.Null(first.RebalanceWithheld);
        Assert.Contains("lease", second.RebalanceWithheld);
        Assert.Equal(0, second.Removed);
    }

    [Fact]
    public async Task WithoutLeasesTheSameTwoPassesRemoveEveryCopy()
    {
        // The hazard the lease closes, reproduced: blob servers that grant every lease.
        var (fake, named, byUrl, id) = TwoNamings();
        fake.IgnoreLeases = true;

        await InterleavedPassesAsync(fake, named, byUrl);

        Assert.Equal(0, fake.GoodCopies(id));
    }

    [Fact]
    public async Task APlainPassCountsADamagedCopyButAVerifyPassFindsItAndRestoresIt()
    {
        var (fake, cluster) = FiveServerCluster();
        var id = Id("damaged");
        var ranked = cluster.Rank(id);
        fake[ranked[0]].Damaged.Add(id);
        fake[ranked[1]].Good.Add(id);

        var plain = await Pass(fake, cluster, new ReplicationSettings(DryRun: false, Parallelism: 4)).RunAsync(CancellationToken.None);
        Assert.Equal(ExitCodes.Success, ExitCodes.Of(plain)); // cheap, and blind to the damage

        var verify = await Pass(fake, cluster, Verifying()).RunAsync(CancellationToken.None);

        Assert.Equal(1, verify.BadCopies);
        Assert.Equal(1, verify.UnderReplicatedBefore);
        Assert.Equal(1, verify.Copies);
        Assert.Contains(id, fake[ranked[0]].Quarantine);
        Assert.Contains(id, fake[ranked[0]].Good);
        Assert.Equal(1, verify.VerifiedCopies);
        Assert.Equal(ExitCodes.Success, ExitCodes.Of(verify));
    }

    [Fact]
    public async Task AVerifyPassCountsNoCopyOnAServerThatCannotVerifyAndCopiesElsewhere()
    {
        var fake = new FakeBlobServers();
        fake.Add(Identity(0), "http://blob0/");
        fake.Add(Identity(1), "http://blob1/");
        fake.Add("", "http://blob2/"); // an original sos blob server: no identity, no verify
        var cluster = Cluster("blob0=http://blob0", "blob1=http://blob1", "blob2=http://blob2");
        var id = Id("unverifiable");
        var original = cluster.Servers[2];
        var other = cluster.Rank(id).First(server => server != original);
        fake[original].Good.Add(id);
        fake[other].Good.Add(id);

        var report = await Pass(fake, cluster, Verifying()).RunAsync(CancellationToken.None);

        Assert.DoesNotContain(fake.Verifications, verification => verification.Server == fake[original]);
        Assert.Equal(1, report.UnderReplicatedBefore);
        Assert.Equal(1, report.Copies);
        Assert.Contains(id, fake[original].Good);
        Assert.Equal(3, fake.GoodCopies(id));
    }

    [Fact]
    public async Task AVerifyPassFailsWhileAnObjectLacksItsMinimumOfVerifiedCopies()
    {
        var fake = new FakeBlobServers();
        fake.Add(Identity(0), "http://blob0/");
        fake.Add(Identity(1), "http://blob1/");
        var cluster = Cluster("blob0=http://blob0", "blob1=http://blob1");
        var id = Id("one good copy");
        fake[cluster.Servers[0]].Good.Add(id);
        fake[cluster.Servers[1]].Damaged.Add(id);
        fake[cluster.Servers[1]].RefusesCopies = true;

        var report = await Pass(fake, cluster, Verifying()).RunAsync(CancellationToken.None);

        Assert.Equal(1, report.UnderReplicatedAfter);
        Assert.Equal(ExitCodes.BelowMinimum, ExitCodes.Of(report));
    }

    [Fact]
    public async Task ObjectsBeyondTheVerifyBudgetAreCountedByListingAndTheExitCodeSaysSo()
    {
        var (fake, cluster) = FiveServerCluster();
        for (var n = 0; n < 5; n++)
        {
            var id = Id($"budget {n}");
            var ranked = cluster.Rank(id);
            fake[ranked[0]].Good.Add(id);
            fake[ranked[1]].Good.Add(id);
        }

        // Room for one object's two copies, not more.
        var report = await Pass(fake, cluster, Verifying(maxBytes: (2 * FakeBlobServers.CopySize) - 1, parallelism: 1)).RunAsync(CancellationToken.None);

        Assert.Equal(2, report.VerifiedCopies);
        Assert.Equal(4, report.BeyondVerifyBudget);
        Assert.True(report.AtMinimum);
        Assert.Equal(ExitCodes.NotAllVerified, ExitCodes.Of(report));
    }

    private static ReplicationSettings Rebalancing => new(DryRun: false, Parallelism: 4, Rebalance: true);

    private static ReplicationSettings Verifying(long? maxBytes = null, int parallelism = 4) =>
        new(DryRun: false, Parallelism: parallelism, Verify: true, VerifyMaxBytes: maxBytes);

    /// <summary>
    /// Five servers, seen by one replicator under their cluster names (<c>blobN=url</c>) and by
    /// another under plain URLs, and an object that the two place on disjoint servers, with a copy
    /// on each of the four (each replicator has put copies where it thinks they belong).
    /// </summary>
    private static (FakeBlobServers Fake, BlobCluster Named, BlobCluster ByUrl, ObjectId Id) TwoNamings()
    {
        var fake = new FakeBlobServers();
        for (var i = 0; i < 5; i++)
        {
            fake.Add(Identity(i), $"http://10.0.0.{i}:8080/");
        }
        var named = Cluster([.. Enumerable.Range(0, 5).Select(i => $"blob{i}=http://10.0.0.{i}:8080")]);
        var byUrl = Cluster([.. Enumerable.Range(0, 5).Select(i => $"http://10.0.0.{i}:8080")]);
        var id = Enumerable.Range(0, 1000).Select(n => Id($"disagreement {n}")).First(id =>
            !PreferredAddresses(named, id).Intersect(PreferredAddresses(byUrl, id)).Any());
        foreach (var address in PreferredAddresses(named, id).Concat(PreferredAddresses(byUrl, id)))
        {
            fake[new BlobServer("any", address)].Good.Add(id);
        }
        return (fake, named, byUrl, id);
    }

    /// <summary>
    /// The first pass, once it has verified its preferred copies and is about to remove the others,
    /// waits while the second pass runs whole: the interleaving in which, without a lease, each
    /// removes the copies the other keeps.
    /// </summary>
    [Fact]
    public async Task AStaleServersCopyIsNeitherCountedNorCopiedFromAndThePassReportsItAndExitsOne()
    {
        var (fake, cluster) = FiveServerCluster();
        var now = DateTimeOffset.UtcNow;
        foreach (var server in cluster.Servers)
        {
            fake[server].SeenAt = now - TimeSpan.FromMinutes(15);
        }
        // An object deleted while its one holder was away, its tombstones collected since.
        var resurrectable = Id("deleted while away");
        var away = cluster.Rank(resurrectable)[0];
        fake[away].Good.Add(resurrectable);
        fake[away].SeenAt = now - TimeSpan.FromDays(8);
        // An object the stale server prefers most, with one copy elsewhere: made whole without it.
        var live = Enumerable.Range(0, 1000).Select(i => Id($"live {i}")).First(id => cluster.Rank(id)[0] == away);
        fake[cluster.Rank(live)[1]].Good.Add(live);

        var report = await Pass(fake, cluster, new ReplicationSettings(DryRun: false, Parallelism: 2)).RunAsync(now, caughtUp: null, CancellationToken.None);

        Assert.Equal([away], cluster.Servers.Where(server => fake[server].Good.Contains(resurrectable)));
        Assert.Equal(2, fake.GoodCopies(live));
        Assert.DoesNotContain(live, fake[away].Good); // sent nothing either
        Assert.Contains(report.StaleServers, line => line.Contains(away.Name, StringComparison.Ordinal));
        Assert.Equal(ExitCodes.BelowMinimum, ExitCodes.Of(report));
        // It is not marked, so it stays stale; the others are marked with the pass's start.
        Assert.Equal(now - TimeSpan.FromDays(8), fake[away].SeenAt);
        Assert.All(cluster.Servers.Where(server => server != away), server => Assert.Equal(now, fake[server].SeenAt));
    }

    [Fact]
    public async Task APassMarksOnlyTheServersItBroughtEveryDeleteToAndADryRunMarksNone()
    {
        var (fake, cluster) = FiveServerCluster();
        var now = DateTimeOffset.UtcNow;
        var caughtUp = cluster.Servers.Skip(1).ToHashSet();

        await Pass(fake, cluster, new ReplicationSettings(DryRun: true, Parallelism: 2)).RunAsync(now, caughtUp, CancellationToken.None);
        Assert.All(cluster.Servers, server => Assert.Null(fake[server].SeenAt));

        var report = await Pass(fake, cluster, new ReplicationSettings(DryRun: false, Parallelism: 2)).RunAsync(now, caughtUp, CancellationToken.None);

        Assert.Null(fake[cluster.Servers[0]].SeenAt);
        Assert.All(caughtUp, server => Assert.Equal(now, fake[server].SeenAt));
        Assert.Empty(report.StaleServers);
    }

    private static async Task<(ReplicationReport First, ReplicationReport Second)> InterleavedPassesAsync(
        FakeBlobServers fake, BlobCluster first, BlobCluster second)
    {
        ReplicationReport? secondReport = null;
        fake.BeforeFirstRemoval = async () => secondReport = await Pass(fake, second, Rebalancing).RunAsync(CancellationToken.None);
        var firstReport = await Pass(fake, first, Rebalancing).RunAsync(CancellationToken.None);
        return (firstReport, Assert.IsType<ReplicationReport>(secondReport));
    }

    private static IEnumerable<Uri> PreferredAddresses(BlobCluster cluster, ObjectId id) =>
        cluster.Rank(id).Take(cluster.MinCopies).Select(server => server.BaseAddress);

    private static (FakeBlobServers Fake, BlobCluster Cluster) FiveServerCluster()
    {
        var fake = new FakeBlobServers();
        for (var i = 0; i < 5; i++)
        {
            fake.Add(Identity(i), $"http://blob{i}/");
        }
        return (fake, Cluster(FiveServers));
    }

    private static BlobCluster Cluster(params string[] servers) =>
        new(Options.Create(new BlobClusterOptions { BlobServers = [.. servers], MinCopies = 2 }));

    private static ReplicationPass Pass(FakeBlobServers fake, BlobCluster cluster, ReplicationSettings settings) =>
        new(fake, cluster, settings, TimeProvider.System, NullLogger<ReplicationPass>.Instance);

    private static string Identity(int server) => $"{server:x32}";

    // Any 20 bytes make an id; which hash makes them does not matter here.
    private static ObjectId Id(string text) => ObjectId.FromDigest(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, ObjectId.ByteLength));
}
