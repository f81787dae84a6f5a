using Microsoft.Extensions.Time.Testing;
using Sos.Core.Objects;
using Sos.Core.Time;
using Sos.Replicator.Deletes;

namespace Sos.Tests.Unit;

public sealed class TombstonePlanTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromDays(7);
    private static readonly Core.Placement.BlobServer[] Servers = [.. Enumerable.Range(0, 3).Select(i => Core.Placement.BlobServer.Parse($"http://blob{i}"))];
    private static readonly ObjectId Id = TestBytes.IdOf([1, 2, 3]);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void ATombstoneGoesToEveryServerThatLacksItWithItsLatestTimestamp()
    {
        var deleted = HybridTimestamp.FromTime(_time.GetUtcNow());
        var later = new HybridTimestamp(deleted.Ticks + 1);

        var plan = TombstonePlan.Make(Servers, Listed([(0, deleted), (1, later)], [2]), _time.GetUtcNow(), Grace);

        Assert.Equal([new TombstoneSpread(Servers[0], Id, later), new TombstoneSpread(Servers[2], Id, later)], plan.Spreads);
        Assert.Empty(plan.Collections);
        Assert.Equal(1, plan.Held);
    }

    [Fact]
    public void ATombstoneIsCollectedOnlyOnceEveryServerHoldsItAndItsGracePeriodPassed()
    {
        var deleted = HybridTimestamp.FromTime(_time.GetUtcNow());
        var everywhere = Listed([(0, deleted), (1, deleted), (2, deleted)], []);

        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        var tooSoon = TombstonePlan.Make(Servers, everywhere, _time.GetUtcNow(), Grace);
        _time.Advance(TimeSpan.FromSeconds(1));
        var due = TombstonePlan.Make(Servers, everywhere, _time.GetUtcNow(), Grace);

        Assert.Empty(tooSoon.Collections);
        Assert.Equal([(Id, deleted)], due.Collections);
        Assert.Empty(due.Spreads);
    }

    [Fact]
    public void ATombstoneIsNeverCollectedWhileAServerLacksItOrCouldNotBeListed()
    {
        var deleted = HybridTimestamp.FromTime(_time.GetUtcNow());
        _time.Advance(Grace * 10);

        var lacking = TombstonePlan.Make(Servers, Listed([(0, deleted), (1, deleted)], [2]), _time.GetUtcNow(), Grace);
        var unlisted = TombstonePlan.Make(Servers, Listed([(0, deleted), (1, deleted)], []), _time.GetUtcNow(), Grace);

        Assert.Empty(lacking.Collections);
        Assert.Equal([new TombstoneSpread(Servers[2], Id, deleted)], lacking.Spreads);
        Assert.Empty(unlisted.Collections);
    }

    [Fact]
    public void AServerHoldingAnEarlierDeleteLacksTheLaterOneWhichIsCollectedOnlyOnceEveryServerHoldsIt()
    {
        var first = HybridTimestamp.FromTime(_time.GetUtcNow());
        _time.Advance(TimeSpan.FromDays(1));
        var again = HybridTimestamp.FromTime(_time.GetUtcNow());
        _time.Advance(Grace * 2);

        var behind = TombstonePlan.Make(Servers, Listed([(0, again), (1, again), (2, first)], []), _time.GetUtcNow(), Grace);
        var caughtUp = TombstonePlan.Make(Servers, Listed([(0, again), (1, again), (2, again)], []), _time.GetUtcNow(), Grace);

        // Forgetting "first" everywhere would leave blob2 free to take a copy written between the two deletes.
        Assert.Equal([new TombstoneSpread(Servers[2], Id, again)], behind.Spreads);
        Assert.Empty(behind.Collections);
        Assert.Equal([(Id, again)], caughtUp.Collections);
    }

    /// <summary>Servers that listed the tombstone (with its timestamp) and servers that listed none.</summary>
    private static Dictionary<Core.Placement.BlobServer, IReadOnlyDictionary<ObjectId, HybridTimestamp>> Listed((int Server, HybridTimestamp Stamp)[] holding, int[] empty)
    {
        var listed = new Dictionary<Core.Placement.BlobServer, IReadOnlyDictionary<ObjectId, HybridTimestamp>>();
        foreach (var (server, stamp) in holding)
        {
            listed[Servers[server]] = new Dictionary<ObjectId, HybridTimestamp> { [Id] = stamp };
        }
        foreach (var server in empty)
        {
            listed[Servers[server]] = new Dictionary<ObjectId, HybridTimestamp>();
        }
        return listed;
    }
}
