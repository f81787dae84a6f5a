using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Tests.Unit;

// Inside Sos.*, the namespace Sos.BlobServer would hide the type imported above.
using BlobServer = Sos.Core.Placement.BlobServer;

public sealed class RendezvousTests
{
    [Fact]
    public void TheSameIdAndServersGiveTheSameOrderWhateverTheInputOrder()
    {
        var servers = Servers(7);
        var random = new Random(10);
        foreach (var id in RandomIds(500, seed: 11))
        {
            var expected = Names(Rendezvous.Rank(servers, id));
            var shuffled = servers.ToArray();
            random.Shuffle(shuffled);

            Assert.Equal(expected, Names(Rendezvous.Rank(servers, id)));
            Assert.Equal(expected, Names(Rendezvous.Rank(shuffled, id)));
            Assert.Equal(expected, Names(Rendezvous.Rank(shuffled.Reverse(), id)));
        }
    }

    [Fact]
    public void ServersParsedAgainRankTheSame()
    {
        // Another process builds its own BlobServer instances: only the names may matter.
        var here = Servers(5);
        var there = Enumerable.Range(0, 5).Select(i => BlobServer.Parse($"blob{i}")).Reverse().ToArray();

        foreach (var id in RandomIds(200, seed: 12))
        {
            Assert.Equal(Names(Rendezvous.Rank(here, id)), Names(Rendezvous.Rank(there, id)));
        }
    }

    [Fact]
    public void ScoresAreAFixedFunctionOfNameAndId()
    {
        var id = ObjectId.Parse("da39a3ee5e6b4b0d3255bfef95601890afd80709");

        Assert.Equal(Rendezvous.Score("blob0", id), Rendezvous.Score("blob0", id));
        Assert.NotEqual(Rendezvous.Score("blob0", id), Rendezvous.Score("blob1", id));
        Assert.NotEqual(
            Rendezvous.Score("blob0", id),
            Rendezvous.Score("blob0", ObjectId.Parse("da39a3ee5e6b4b0d3255bfef95601890afd80708")));
    }

    // Expected values come from a separate implementation of the documented scheme
    // (FNV-1a of the name, splitmix64 of the folded id), not from running this one.
    [Theory]
    [InlineData("blob0", "da39a3ee5e6b4b0d3255bfef95601890afd80709", 11143407227784412507UL)]
    [InlineData("blob1", "da39a3ee5e6b4b0d3255bfef95601890afd80709", 9662670087373461469UL)]
    [InlineData("blob0", "0123456789abcdef0123456789abcdef01234567", 266718557200594378UL)]
    [InlineData("blob2:3001", "0123456789abcdef0123456789abcdef01234567", 1152444591710035977UL)]
    public void ScoresNeverChangeBetweenVersions(string serverName, string id, ulong score) =>
        // Every stored object's place follows from these numbers: a change here moves them all.
        Assert.Equal(score, Rendezvous.Score(serverName, ObjectId.Parse(id)));

    [Theory]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd80709", "blob2,blob4,blob3,blob0,blob1")]
    [InlineData("0123456789abcdef0123456789abcdef01234567", "blob1,blob2,blob3,blob4,blob0")]
    [InlineData("ffffffffffffffffffffffffffffffffffffffff", "blob2,blob1,blob4,blob3,blob0")]
    public void KnownIdsKeepTheirKnownOrder(string id, string order) =>
        Assert.Equal(order, string.Join(",", Names(Rendezvous.Rank(Servers(5), ObjectId.Parse(id)))));

    [Fact]
    public void EveryServerAppearsExactlyOnce()
    {
        var servers = Servers(10);
        foreach (var id in RandomIds(500, seed: 13))
        {
            var ranked = Rendezvous.Rank(servers, id);

            Assert.Equal(servers.Length, ranked.Length);
            Assert.Equal(
                servers.Select(server => server.Name).Order(StringComparer.Ordinal),
                ranked.Select(server => server.Name).Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void RankingIsInDescendingScoreOrder()
    {
        var servers = Servers(6);
        foreach (var id in RandomIds(200, seed: 14))
        {
            var scores = Rendezvous.Rank(servers, id).Select(server => Rendezvous.Score(server.Name, id)).ToArray();

            Assert.Equal(scores.OrderDescending(), scores);
        }
    }

    [Fact]
    public void NoServersRankAsNothing() =>
        Assert.Empty(Rendezvous.Rank([], ObjectId.Parse("da39a3ee5e6b4b0d3255bfef95601890afd80709")));

    [Fact]
    public void AddingAnEleventhServerMovesAboutOneInElevenIdsAndOnlyToIt()
    {
        var ten = Servers(10);
        var eleven = Servers(11);
        var added = eleven[10];
        const int count = 100_000;

        var moved = 0;
        foreach (var id in RandomIds(count, seed: 15))
        {
            var before = Rendezvous.Rank(ten, id)[0];
            var after = Rendezvous.Rank(eleven, id)[0];
            if (before.Name != after.Name)
            {
                moved++;
                Assert.Equal(added.Name, after.Name);
            }
        }

        var fraction = (double)moved / count;
        Assert.InRange(fraction, 0.08, 0.10);
    }

    [Fact]
    public void AddingAServerKeepsTheOrderOfTheOthers()
    {
        var five = Servers(5);
        var six = Servers(6);
        foreach (var id in RandomIds(1000, seed: 16))
        {
            var withNew = Names(Rendezvous.Rank(six, id)).Where(name => name != six[5].Name);

            Assert.Equal(Names(Rendezvous.Rank(five, id)), withNew);
        }
    }

    [Fact]
    public void EachOfThreeServersIsFirstForAboutAThirdOfIds()
    {
        var servers = Servers(3);
        const int count = 30_000;

        var firsts = RandomIds(count, seed: 17)
            .GroupBy(id => Rendezvous.Rank(servers, id)[0].Name)
            .ToDictionary(group => group.Key, group => group.Count());

        Assert.Equal(servers.Select(server => server.Name).Order(StringComparer.Ordinal), firsts.Keys.Order(StringComparer.Ordinal));
        Assert.All(firsts.Values, first => Assert.InRange((double)first / count, 1.0 / 3 - 0.03, 1.0 / 3 + 0.03));
    }

    [Fact]
    public void EachOfThreeServersIsSecondForAboutAThirdOfIds()
    {
        // Replica two lands evenly too, or one server would hold more second copies than the rest.
        var servers = Servers(3);
        const int count = 30_000;

        var seconds = RandomIds(count, seed: 18)
            .GroupBy(id => Rendezvous.Rank(servers, id)[1].Name)
            .ToDictionary(group => group.Key, group => group.Count());

        Assert.Equal(3, seconds.Count);
        Assert.All(seconds.Values, second => Assert.InRange((double)second / count, 1.0 / 3 - 0.03, 1.0 / 3 + 0.03));
    }

    [Theory]
    [InlineData("http://blob0", "blob0", "http://blob0/")]
    [InlineData("blob0:3001", "blob0:3001", "http://blob0:3001/")]
    [InlineData("http://blob0:3001", "blob0:3001", "http://blob0:3001/")]
    [InlineData("https://blob1", "blob1", "https://blob1/")]
    [InlineData("  http://blob2/  ", "blob2", "http://blob2/")]
    [InlineData("http://blob3/some/path?query", "blob3", "http://blob3/")]
    [InlineData("http://127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("blob4", "blob4", "http://blob4/")]
    public void BlobServerAddressesParseToTheirAuthority(string address, string name, string baseAddress)
    {
        var server = BlobServer.Parse(address);

        Assert.Equal(name, server.Name);
        Assert.Equal(name, server.BaseAddress.Authority);
        Assert.Equal(name, server.ToString());
        Assert.Equal(new Uri(baseAddress), server.BaseAddress);
    }

    [Theory]
    [InlineData("ftp://x")]
    [InlineData("file:///etc/passwd")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("http://")]
    [InlineData("not a url")]
    [InlineData("http://bad host")]
    [InlineData("::::")]
    public void BlobServerAddressesThatAreNotHttpAreRejected(string address) =>
        Assert.Throws<FormatException>(() => BlobServer.Parse(address));

    [Fact]
    public void BlobServersWithTheSameAddressAreEqual()
    {
        Assert.Equal(BlobServer.Parse("http://blob0"), BlobServer.Parse("blob0"));
        Assert.NotEqual(BlobServer.Parse("http://blob0"), BlobServer.Parse("http://blob1"));
    }

    private static BlobServer[] Servers(int count) =>
        [.. Enumerable.Range(0, count).Select(i => BlobServer.Parse($"http://blob{i}"))];

    private static string[] Names(IEnumerable<BlobServer> servers) => [.. servers.Select(server => server.Name)];

    private static IEnumerable<ObjectId> RandomIds(int count, int seed)
    {
        var random = new Random(seed);
        var digest = new byte[ObjectId.ByteLength];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(digest);
            yield return ObjectId.FromDigest(digest);
        }
    }
}
