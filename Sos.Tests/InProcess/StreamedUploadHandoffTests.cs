using System.Net;
using Sos.Core.Objects;

namespace Sos.Tests.InProcess;

/// <summary>Its own cluster: it stops a blob server.</summary>
public sealed class StreamedUploadHandoffTests(InProcessSos sos) : IClassFixture<InProcessSos>
{
    [Fact]
    public async Task AStreamedCopyThatFailsIsHandedOffFromTheCopyThatWasWrittenAndTheBodyIsHeldNowhere()
    {
        const int stopped = 0;
        await sos.StopBlobServerAsync(stopped);
        // A body above the in-memory size whose id ranks the stopped server among its first two:
        // one of its two streamed copies fails, and must be made from the other.
        byte[] bytes;
        do
        {
            bytes = TestBytes.Fresh(3 * 1024 * 1024 + 5);
        }
        while (!RankedFirstTwo(TestBytes.IdOf(bytes)).Contains($"blob{stopped}"));
        var id = TestBytes.HexId(bytes);

        var stored = await sos.UploadAsync(bytes, ("X-Sos-Sha1", id), ("X-Orig-Filename", "handed-off.bin"));

        Assert.Equal(id, stored.Id);
        Assert.Equal([1, 2], sos.ServersHolding(id));
        foreach (var server in new[] { 1, 2 })
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, id));
            using var copy = await sos.BlobServer(server).GetAsync($"/blob/{id}");
            Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
            Assert.Equal("handed-off.bin", copy.Headers.GetValues("X-Orig-Filename").Single());
        }
        // Passed on as it arrived, never spooled.
        Assert.False(Directory.Exists(sos.SpoolDirectory));
    }

    private string[] RankedFirstTwo(ObjectId id) => [.. sos.Ranked(id).Take(InProcessSos.MinCopies).Select(index => $"blob{index}")];
}
