using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.Core.Cluster;

/// <summary>
/// A copy that is a file of its own, opened straight from its server's data directory (see
/// <see cref="Placement.BlobServer.Volume"/>), read-only: what the server would answer, without the
/// hop through it. Only a copy that is plainly there and intact is opened this way. Null means the
/// server must be asked: for a copy that is not here as a file (it may be in the server's
/// small-object log, or gone), and one whose metadata is missing, damaged or without chunk sums
/// (it quarantines what is damaged, and checks old copies against their id). The caller has
/// already left an id the server recorded a delete of to the server.
/// </summary>
internal sealed record VolumeCopy(ObjectInfo Info, FileStream File, ChunkSums Chunks)
{
    public static VolumeCopy? TryOpen(string volume, ObjectId id)
    {
        var path = StoreLayout.DataPath(volume, id);
        // Most ids asked about here are not files (small copies are in the log, some ids are on no
        // server): answered without the cost of an exception.
        if (!System.IO.File.Exists(path))
        {
            return null;
        }
        FileStream file;
        try
        {
            // Unbuffered: reads go straight into the reader's memory (see ChunkVerifyingStream).
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        try
        {
            if (MetadataFile.Read(path + StoreLayout.MetadataSuffix) is not { State: MetadataState.Intact, Chunks: { } chunks } metadata
                || chunks.Length != file.Length)
            {
                file.Dispose();
                return null;
            }
            var stamp = StoreLayout.StampOf(System.IO.File.GetLastWriteTimeUtc(file.SafeFileHandle));
            return new VolumeCopy(new ObjectInfo(chunks.Length, stamp.Time, ObjectMetadata.FromStored(metadata.Metadata), stamp), file, chunks);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
