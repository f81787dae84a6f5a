using Sos.Core.Files;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>Passes writes on to a file and sums them chunk by chunk as they go.</summary>
internal sealed class ChunkSummingStream(Stream file) : PassThroughWriteStream(file)
{
    public ChunkSums.Builder Sums { get; } = new();

    protected override void Wrote(ReadOnlySpan<byte> bytes) => Sums.Append(bytes);
}
