using Sos.Core.Objects;

namespace Sos.UploadApi.Uploads;

/// <summary>
/// What the client asked of an upload beyond its bytes: the id it expects them to hash to
/// (from <c>X-Sos-Sha1</c> or <c>Content-Digest</c>), and whether to store them only when the
/// object does not already have its copies (<c>If-None-Match: *</c>).
/// </summary>
public sealed record UploadConditions(ObjectId? ExpectedId, bool OnlyIfAbsent);
