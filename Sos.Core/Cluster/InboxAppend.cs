using Sos.Core.Placement;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>A small copy waiting for the next append to the inboxes, and the server whose inbox it is for.</summary>
internal sealed record InboxAppend(BlobServer Server, InboxCopy Copy);
