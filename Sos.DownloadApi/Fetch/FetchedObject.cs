using Sos.Core.Cluster;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// An object ready to answer with: its headers, and its bytes in memory (from the cache, or read
/// and checked) or as a stream (checked as it goes). Owns the blob server's answer until disposed.
/// </summary>
public sealed class FetchedObject(FetchOutcome outcome, ObjectHeaders? headers = null, ObjectPart? part = null, Stream? body = null, IDisposable? owner = null) : IDisposable
{
    public FetchOutcome Outcome { get; } = outcome;

    public ObjectHeaders? Headers { get; } = headers;

    /// <summary>The bytes of a partial answer; for an unsatisfiable range, the object's length.</summary>
    public ObjectPart? Part { get; } = part;

    /// <summary>Bytes already in memory and checked against the id (a cached object, or a small one read whole).</summary>
    public ReadOnlyMemory<byte> Bytes { get; init; }

    /// <summary>The bytes as they come from a blob server or its directory; null for headers only or in-memory bytes.</summary>
    public Stream? Body { get; } = body;

    public void Dispose()
    {
        Body?.Dispose();
        owner?.Dispose();
    }
}
