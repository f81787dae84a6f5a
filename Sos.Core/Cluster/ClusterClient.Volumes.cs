using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// Reads from a server's data directory where this process can read it (the whole cluster on one
/// machine): a large object then passes from the page cache through one process instead of two,
/// and costs its server nothing. The copy is checked chunk by chunk against the sums recorded when
/// it was written, as the server checks what it sends; anything else goes through the server.
/// </summary>
public sealed partial class ClusterClient
{
    /// <summary>How long a server may take to read a chunk found bad on its volume, before the read that found it fails anyway.</summary>
    private static readonly TimeSpan ChunkCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A whole or range read of a copy that is a file of its own, from the server's volume; null
    /// when the server must answer it (see <see cref="VolumeCopy"/>), and for a whole read of a small
    /// object, which is read through the server and checked against its id before it is answered.
    /// The first chunk is checked before the answer, as the server checks it before its headers go
    /// out: a copy that starts bad is quarantined by its server, which is then asked as usual.
    /// </summary>
    private async Task<ObjectRead?> ReadFromVolumeAsync(BlobServer server, string volume, ObjectId id, ByteRange? range, int checkFirstMaxBytes, CancellationToken cancellationToken)
    {
        VolumeCopy? copy;
        try
        {
            copy = VolumeCopy.TryOpen(volume, id);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogVolumeUnreadable(logger, id, server.Name, ex.Message);
            return null;
        }
        if (copy is null)
        {
            return null;
        }
        if (range is null && copy.Chunks.Length <= checkFirstMaxBytes)
        {
            copy.File.Dispose();
            return null;
        }
        var part = range is { } asked ? asked.Within(copy.Chunks.Length) : new ObjectPart(0, copy.Chunks.Length, copy.Chunks.Length);
        if (part is not { } wanted)
        {
            copy.File.Dispose();
            return ObjectRead.Unsatisfiable(server, copy.Info);
        }
        var body = new ChunkVerifyingStream(copy.File, id, copy.Chunks, bad => CheckChunkOnServerAsync(server, id, bad.Offset ?? wanted.Offset)) { Position = wanted.Offset };
        try
        {
            await body.CheckAheadAsync(cancellationToken);
        }
        catch (IOException)
        {
            await body.DisposeAsync();
            return null;
        }
        Activity.Current?.SetTag("sos.blob.volume", true);
        return range is null
            ? ObjectRead.Whole(server, copy.Info, body, owner: null)
            : ObjectRead.Partial(server, copy.Info, wanted, new SliceStream(body, 0, wanted.Count), owner: null);
    }

    /// <summary>
    /// A chunk read from a server's volume did not match its sum: the server reads that chunk
    /// itself, as a range, and quarantines its copy when it finds the same. The read that found it
    /// fails once the server has answered; a failure to ask is logged.
    /// </summary>
    private async Task CheckChunkOnServerAsync(BlobServer server, ObjectId id, long offset)
    {
        var first = offset / ChunkSums.ChunkSize * ChunkSums.ChunkSize;
        LogVolumeChunkBad(logger, id, server.Name, first);
        using var timeout = new CancellationTokenSource(ChunkCheckTimeout);
        try
        {
            using var response = await GetAsync(server, id, new ByteRange(first, first + ChunkSums.ChunkSize - 1), timeout.Token);
            await (await response.Content.ReadAsStreamAsync(timeout.Token)).CopyToAsync(Stream.Null, timeout.Token);
        }
        catch (Exception ex) when (ServerFailure.Is(ex, CancellationToken.None))
        {
            LogFailed(logger, "check a chunk of", id, server.Name, ServerFailure.Describe(ex));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {ObjectId} from the volume of blob server {Server}, asking the server: {Reason}")]
    private static partial void LogVolumeUnreadable(ILogger logger, ObjectId objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "The copy of {ObjectId} on the volume of blob server {Server} does not match its chunk sums at byte {Offset}; the server is asked to read it and quarantine it")]
    private static partial void LogVolumeChunkBad(ILogger logger, ObjectId objectId, string server, long offset);
}
