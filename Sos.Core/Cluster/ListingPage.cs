using Sos.Core.Objects;

namespace Sos.Core.Cluster;

/// <summary>
/// One page of a server's ids, ascending, all after the id the page was asked from.
/// <see cref="IsLast"/> when the listing is complete: the page was short, or the server ignored
/// paging and sent everything at once (as the original sos blob-server does).
/// </summary>
public sealed record ListingPage(IReadOnlyList<ObjectId> Ids, bool IsLast);
