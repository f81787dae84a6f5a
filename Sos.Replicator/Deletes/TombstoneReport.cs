namespace Sos.Replicator.Deletes;

/// <summary>The delete step of a pass: deleted ids known, tombstones brought to servers, collected, failed writes, servers not listed.</summary>
internal sealed record TombstoneReport(int Held, int Spread, int Collected, int Failed, int Unlisted);
