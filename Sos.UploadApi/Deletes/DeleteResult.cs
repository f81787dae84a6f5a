using Sos.Core.Time;

namespace Sos.UploadApi.Deletes;

/// <summary>The outcome of a delete: how many servers recorded it durably, of how many needed, and its timestamp.</summary>
public sealed record DeleteResult(DeleteOutcome Outcome, int DurableTombstones, int RequiredTombstones, HybridTimestamp? Stamp = null);
