using Sos.Core.Placement;

namespace Sos.Replicator.Freshness;

/// <summary>The servers a pass may trust and mark, and those it must not trust.</summary>
/// <param name="Stale">Servers away longer than the tombstone grace, each with why: their copies are neither counted nor copied from.</param>
/// <param name="Markable">Servers that keep marks and are not stale: the pass marks those it brought every delete to.</param>
internal sealed record ServerFreshness(IReadOnlyDictionary<BlobServer, string> Stale, IReadOnlyList<BlobServer> Markable)
{
    public static ServerFreshness None { get; } = new(new Dictionary<BlobServer, string>(), []);
}
