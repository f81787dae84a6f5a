using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// Reads from a server's data directory where this process can read it (the whole cluster on one
/// machine): a read then costs a file read instead of an exchange with the server, and a large
/// object passes from the page cache through one process instead of two. What is read is checked
/// as the server checks what it sends (a log record against its sums, a file chunk by chunk
/// against the sums recorded when it was written); anything else goes through the server.
/// </summary>
public sealed partial class ClusterClient
{
    /// <summary>How long a server may take to read a chunk found bad on its volume, before the read that found it fails anyway.</summary>
    private static readonly TimeSpan ChunkCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A whole or range read from the server's volume: its small-object log first, then a copy that
    /// is a file of its own, as the server looks. Null when the server must answer it: an id it
    /// recorded a delete of (it weighs the delete against the copy), a copy not found or not intact
    /// here (see <see cref="LogFollower"/> and <see cref="VolumeCopy"/>), and a whole read of a
    /// small copy that is a file (it is read through the server and checked against its id).
    /// </summary>
    private async Task<ObjectRead?> ReadFromVolumeAsync(BlobServer server, string volume, ObjectId id, ByteRange? range, int checkFirstMaxBytes, CancellationToken cancellationToken)
    {
        try
        {
            volumeLogs?.Refresh();
            if (volumeLogs?.HasTombstone(server, volume, id) ?? File.Exists(StoreLayout.TombstonePath(volume, id)))
            {
                return null;
            }
            if (volumeLogs?.Of(server)?.Find(id) is { } logged)
            {
                return FromLog(server, id, logged, range, checkFirstMaxBytes);
            }
            return VolumeCopy.TryOpen(volume, id) is { } copy ? await FromFileAsync(server, id, copy, range, checkFirstMaxBytes, cancellationToken) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogVolumeUnreadable(logger, id, server.Name, ex.Message);
            return null;
        }
    }

    /// <summary>
    /// A copy from the log, whose record passed its sums: a whole read up to
    /// <paramref name="checkFirstMaxBytes"/> is also checked against its id, as one through the server
    /// would be. Null (the server is asked) when its metadata is damaged or its bytes are not the id's.
    /// </summary>
    private static ObjectRead? FromLog(BlobServer server, ObjectId id, LoggedCopyRead logged, ByteRange? range, int checkFirstMaxBytes)
    {
        if (MetadataFile.FromBytes(logged.Metadata.Span) is not { State: MetadataState.Intact } metadata)
        {
            return null;
        }
        var data = logged.Data;
        var info = new ObjectInfo(data.Length, logged.Stamp.Time, ObjectMetadata.FromStored(metadata.Metadata), logged.Stamp);
        Activity.Current?.SetTag("sos.blob.volume", true);
        if (range is { } asked)
        {
            return asked.Within(data.Length) is { } part
                ? ObjectRead.Partial(server, info, part, StreamOf(data.Slice((int)part.Offset, (int)part.Count)), owner: null)
                : ObjectRead.Unsatisfiable(server, info);
        }
        if (data.Length > checkFirstMaxBytes)
        {
            return ObjectRead.Whole(server, info, StreamOf(data), owner: null);
        }
        if (ObjectId.Of(data.Span) != id)
        {
            return null;
        }
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1));
        data.CopyTo(buffer);
        return ObjectRead.Checked(server, info, new PooledBytesStream(buffer, data.Length, rest: null));
    }

    /// <summary>
    /// A copy that is a file of its own: the first chunk asked for is checked before the answer, as
    /// the server checks it before its headers go out, so a copy that starts bad is quarantined by its
    /// server, which is then asked as usual.
    /// </summary>
    private async Task<ObjectRead?> FromFileAsync(BlobServer server, ObjectId id, VolumeCopy copy, ByteRange? range, int checkFirstMaxBytes, CancellationToken cancellationToken)
    {
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

    private static MemoryStream StreamOf(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var array) ? new MemoryStream(array.Array!, array.Offset, array.Count, writable: false) : new MemoryStream(bytes.ToArray(), writable: false);

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
