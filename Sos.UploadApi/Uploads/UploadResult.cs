using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.UploadApi.Uploads;

/// <summary>
/// The outcome of an upload: the object, the servers that already held it, where the new copies
/// went or why they did not.
/// </summary>
public sealed record UploadResult(HashedContent Content, IReadOnlyList<BlobServer> Holders, FanOutResult Copies, int RequiredCopies, UploadRefusal Refusal = UploadRefusal.None)
{
    public int DurableCopies => Holders.Count + Copies.Written.Count;

    public bool IsDurable => DurableCopies >= RequiredCopies;
}
