using Sos.Replicator.Freshness;

namespace Sos.Tests.Unit;

using BlobServer = Sos.Core.Placement.BlobServer;

public sealed class StaleServerRuleTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromDays(7);
    private static readonly DateTimeOffset Latest = DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly BlobServer[] Servers = [.. Enumerable.Range(0, 3).Select(i => BlobServer.Parse($"http://blob{i}"))];
    private static readonly MarkReading SeenLast = Seen(Latest);

    [Fact]
    public void AServerSeenWithinTheGraceOfTheLatestMarkIsFreshAndOneSeenLongerAgoIsStale()
    {
        var stale = StaleServerRule.Find(Readings(SeenLast, Seen(Latest - Grace), Seen(Latest - Grace - TimeSpan.FromMinutes(1))), Grace);

        Assert.Equal([Servers[2]], stale.Keys);
        Assert.Contains("longer than the tombstone grace", stale[Servers[2]], StringComparison.Ordinal);
    }

    [Fact]
    public void WhenNoPassRanForLongerThanTheGraceNoServerIsStale()
    {
        // Nothing was collected while no pass ran: the marks are old, but none is behind the others.
        var old = Seen(Latest - (Grace * 3));

        Assert.Empty(StaleServerRule.Find(Readings(old, old, old), Grace));
    }

    [Fact]
    public void AServerWithoutAMarkIsStaleOnlyWhenItHoldsCopiesAndIsOlderThanTheGraceWhileOthersHaveMarks()
    {
        var oldStore = Latest - (Grace * 2);
        var unmarkedWithCopies = new MarkReading(KeepsMarks: true, SeenAt: null, CreatedAt: oldStore, HoldsCopies: true);
        var unmarkedEmpty = unmarkedWithCopies with { HoldsCopies = false };
        var addedSince = unmarkedWithCopies with { CreatedAt = Latest - TimeSpan.FromDays(1) };
        var unknownAge = unmarkedWithCopies with { CreatedAt = null };

        Assert.Equal([Servers[2]], StaleServerRule.Find(Readings(SeenLast, SeenLast, unmarkedWithCopies), Grace).Keys);
        Assert.Equal([Servers[2]], StaleServerRule.Find(Readings(SeenLast, SeenLast, unknownAge), Grace).Keys);
        Assert.Empty(StaleServerRule.Find(Readings(SeenLast, SeenLast, unmarkedEmpty), Grace));
        Assert.Empty(StaleServerRule.Find(Readings(SeenLast, SeenLast, addedSince), Grace));
        // The first pass that marks: nobody has a mark to compare with.
        Assert.Empty(StaleServerRule.Find(Readings(unmarkedWithCopies, unmarkedWithCopies, unmarkedWithCopies), Grace));
    }

    [Fact]
    public void AServerThatKeepsNoMarksIsNeverStaleAndAServerNotReadIsNotJudged()
    {
        var original = new MarkReading(KeepsMarks: false, null, null, HoldsCopies: false);
        var readings = Readings(SeenLast, original, SeenLast);
        readings.Remove(Servers[2]);

        Assert.Empty(StaleServerRule.Find(readings, Grace));
    }

    private static MarkReading Seen(DateTimeOffset at) => new(KeepsMarks: true, at, CreatedAt: at - TimeSpan.FromDays(100), HoldsCopies: true);

    private static Dictionary<BlobServer, MarkReading> Readings(params MarkReading[] readings) =>
        readings.Select((reading, i) => (Servers[i], reading)).ToDictionary(pair => pair.Item1, pair => pair.reading);
}
