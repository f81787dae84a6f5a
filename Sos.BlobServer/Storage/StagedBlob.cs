using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>
/// A written, hashed object waiting to become durable under its real name. The store always
/// stages a <c>.meta</c> (it holds the chunk sums); <paramref name="TempMetadata"/> null swaps in
/// bytes alone and deletes a stray <c>.meta</c> (reads take a missing one as empty).
/// </summary>
public sealed record StagedBlob(string TempData, string? TempMetadata, string FinalData, string FinalMetadata, long Size)
{
    // Swaps, quarantines and removals in this process take turns: the check "is a copy already here?" and
    // the renames that follow must not interleave with another write of the same id.
    internal static readonly Lock SwapLock = new();

    /// <summary>The staged files whose bytes must be on disk before the renames.</summary>
    internal IEnumerable<string> TempFiles => TempMetadata is null ? [TempData] : [TempData, TempMetadata];

    /// <summary>
    /// Swaps the write in. First write wins for metadata: when a copy with intact metadata (and
    /// chunk sums, which are the same for the same bytes) is already here, only the bytes are replaced (the new ones are known good, the old ones may
    /// have rotted) and the held metadata stays, whatever this write carried; a held copy stamped
    /// later than this write stays as it is. Otherwise the
    /// metadata step comes first, so a reader that finds the new bytes finds their metadata;
    /// without metadata that step deletes a damaged or stray <c>.meta</c>. Staged files that are
    /// not moved are deleted, so that a committed write leaves nothing behind in the temp folder.
    /// </summary>
    internal void MoveIntoPlace()
    {
        lock (SwapLock)
        {
            // A held copy whose .meta predates chunk sums gets this write's (the store already
            // copied the held metadata into it), so that its reads can be checked chunk by chunk.
            var held = File.Exists(FinalData) && MetadataFile.IsCompleteAndIntact(FinalMetadata);
            if (held && File.GetLastWriteTimeUtc(FinalData) > File.GetLastWriteTimeUtc(TempData))
            {
                // The held copy is from a later write than this one (say a repair copied from a
                // server that missed a delete arrives after the upload that followed the delete):
                // its bytes keep their timestamp, so a write never makes a copy older than a
                // delete it outlived. The staged files are not needed.
                foreach (var file in TempFiles)
                {
                    File.Delete(file);
                }
                return;
            }
            if (held)
            {
                // The held metadata stays.
                if (TempMetadata is not null)
                {
                    File.Delete(TempMetadata);
                }
            }
            else if (TempMetadata is null)
            {
                File.Delete(FinalMetadata);
            }
            else
            {
                Libc.Replace(TempMetadata, FinalMetadata);
            }
            Libc.Replace(TempData, FinalData);
        }
    }
}
