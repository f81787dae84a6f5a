using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Tests.Unit;

using BlobServer = Sos.Core.Placement.BlobServer;

public sealed class ZonePlacementTests
{
    private static BlobServer[] Servers(int count, int zones) =>
        [.. Enumerable.Range(0, count).Select(i => BlobServer.Parse($"http://blob{i}") with { Zone = $"zone{i % zones}" })];

    private static ObjectId RandomId(Random random)
    {
        var bytes = new byte[ObjectId.ByteLength];
        random.NextBytes(bytes);
        return ObjectId.FromDigest(bytes);
    }

    [Fact]
    public void TheFirstCopiesGoToDifferentZonesBeforeAnyZoneGetsTwo()
    {
        var servers = Servers(6, zones: 3);
        var random = new Random(3);
        for (var i = 0; i < 10_000; i++)
        {
            var ranked = Rendezvous.Rank(servers, RandomId(random));
            Assert.Equal(3, ranked.Take(3).Select(server => server.Zone).Distinct().Count());
            Assert.Equal(3, ranked.Skip(3).Select(server => server.Zone).Distinct().Count());
        }
    }

    [Fact]
    public void WithinAZoneTheOrderIsTheScoreOrder()
    {
        var servers = Servers(6, zones: 2);
        var id = RandomId(new Random(4));
        var plain = Rendezvous.Rank(servers.Select(server => server with { Zone = null }), id);

        var zoned = Rendezvous.Rank(servers, id);

        foreach (var zone in new[] { "zone0", "zone1" })
        {
            Assert.Equal(
                plain.Where(server => servers.Single(s => s.Name == server.Name).Zone == zone).Select(server => server.Name),
                zoned.Where(server => server.Zone == zone).Select(server => server.Name));
        }
        // The best server overall still comes first.
        Assert.Equal(plain[0].Name, zoned[0].Name);
    }

    [Fact]
    public void ServersWithoutZonesRankExactlyAsBefore()
    {
        var servers = Enumerable.Range(0, 5).Select(i => BlobServer.Parse($"http://blob{i}")).ToArray();
        var id = RandomId(new Random(5));

        var ranked = Rendezvous.Rank(servers, id);

        Assert.Equal(servers.OrderByDescending(server => Rendezvous.Score(server.Name, id)).Select(server => server.Name), ranked.Select(server => server.Name));
    }
}
