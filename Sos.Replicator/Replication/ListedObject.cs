using Sos.Core.Objects;

namespace Sos.Replicator.Replication;

/// <summary>One object of the census: its id and which servers listed it (bit <c>i</c> for listing <c>i</c>).</summary>
internal readonly record struct ListedObject(ObjectId Id, ulong Holders);
