using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// Writes to a server's inbox where this process can reach its volume and the server holds the
/// inbox open (the whole cluster on one machine): a small copy then costs this process a share of
/// one write and one flush instead of an exchange with the server, and the server adopts it into
/// its log without a request of its own. Asking whether the server holds an object is answered
/// from its volume too, as the server would answer it; what the volume cannot answer plainly goes
/// to the server.
/// </summary>
public sealed partial class ClusterClient
{
    /// <summary>
    /// What <paramref name="server"/> holds of the object, read from its volume: its log (as this
    /// process follows it), the copies written to its inbox lately, and no copy that is a file or a
    /// tombstone. Null when the server must be asked: its inbox is not open, its log is not read
    /// yet, or it recorded a delete of the id or holds a file copy of it (it weighs and describes those).
    /// </summary>
    private ServerPresence? PresenceOnVolume(BlobServer server, ObjectId id)
    {
        if (server.Volume is not { } volume || volumeInboxes?.IsOpen(server) != true
            || volumeLogs?.Of(server) is not { Ready.IsCompletedSuccessfully: true } log)
        {
            return null;
        }
        try
        {
            if (volumeLogs.HasTombstone(server, volume, id))
            {
                return null;
            }
            if (log.Find(id) is { } logged)
            {
                return MetadataFile.FromBytes(logged.Metadata.Span) is { State: MetadataState.Intact } metadata
                    ? new ServerPresence(new ObjectInfo(logged.Data.Length, logged.Stamp.Time, ObjectMetadata.FromStored(metadata.Metadata), logged.Stamp), null)
                    : null;
            }
            if (volumeInboxes.Recent(server, id) is { } written)
            {
                return new ServerPresence(written, null);
            }
            return File.Exists(StoreLayout.DataPath(volume, id)) ? null : new ServerPresence(null, null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogVolumeUnreadable(logger, id, server.Name, ex.Message);
            return null;
        }
    }
}
