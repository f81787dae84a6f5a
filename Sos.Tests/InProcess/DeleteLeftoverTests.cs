using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Time;

namespace Sos.Tests.InProcess;

/// <summary>
/// A copy left over on a blob server that missed a delete (it was away, and the replicator has
/// not been by yet): the object is deleted, so the leftover is neither served nor taken for one
/// of a later upload's copies, and a later upload's metadata is its own.
/// </summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class DeleteLeftoverTests(InProcessSos sos)
{
    // Larger than the download cache's largest entry: these fetches always ask the blob servers.
    private const int Uncached = 100_000;

    [Fact]
    public async Task ALeftoverBehindAServerThatRecordedTheDeleteIsNotServed()
    {
        var bytes = TestBytes.Fresh(Uncached);
        var (id, _, _) = await DeleteLeavingALeftoverAsync(bytes, rank: 1);

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        using var head = await sos.Download.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fetch/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task AnUploadAfterADeleteThatItsFirstServerMissedWritesFreshCopiesWithItsOwnMetadata()
    {
        var bytes = TestBytes.Fresh(Uncached);
        var (id, ranked, written) = await DeleteLeavingALeftoverAsync(bytes, rank: 0);

        await sos.UploadAsync(bytes, ("X-Mime-Type", "text/plain"));

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("text/plain", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        var holders = sos.ServersHolding(id);
        Assert.True(holders.Length >= InProcessSos.MinCopies, $"{holders.Length} copies");
        Assert.Contains(ranked[0], holders);
        foreach (var server in holders)
        {
            using var copy = await sos.BlobServer(server).SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
            Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
            Assert.Equal("text/plain", Assert.Single(copy.Headers.GetValues("X-Mime-Type")));
            Assert.True(HybridTimestamp.TryParse(Assert.Single(copy.Headers.GetValues(HybridTimestamp.Header)), out var stamp));
            Assert.True(stamp > written, $"blob{server}'s copy is from {stamp}, not later than the first upload's {written}");
        }
        // The leftover went to its server's trash, not away.
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(sos.DataDirectory, $"blob{ranked[0]}", ".trash"), "*", SearchOption.AllDirectories),
            path => Path.GetFileName(path).StartsWith(id, StringComparison.Ordinal));
    }

    /// <summary>
    /// Uploads <paramref name="bytes"/> as <c>image/png</c> and deletes them, then leaves the copy
    /// from before the delete on the server at <paramref name="rank"/> of the object's order.
    /// </summary>
    private async Task<(string Id, int[] Ranked, HybridTimestamp Written)> DeleteLeavingALeftoverAsync(byte[] bytes, int rank)
    {
        var id = TestBytes.HexId(bytes);
        var ranked = sos.Ranked(TestBytes.IdOf(bytes));
        await sos.UploadAsync(bytes, ("X-Mime-Type", "image/png"));
        var written = await CopyStampAsync(ranked[rank], id);
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        await PlantLeftoverAsync(ranked[rank], bytes, written, "image/png");
        return (id, ranked, written);
    }

    private async Task<HybridTimestamp> CopyStampAsync(int server, string id)
    {
        using var head = await sos.BlobServer(server).SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.True(HybridTimestamp.TryParse(Assert.Single(head.Headers.GetValues(HybridTimestamp.Header)), out var stamp));
        return stamp.Value;
    }

    /// <summary>
    /// Puts <paramref name="server"/> in the state of one that was away during the delete: its
    /// tombstone forgotten, and its copy from before the delete (stamped <paramref name="written"/>) back.
    /// </summary>
    private async Task PlantLeftoverAsync(int server, byte[] bytes, HybridTimestamp written, string mimeType)
    {
        var id = TestBytes.HexId(bytes);
        using var replicator = sos.BlobServer(server);
        replicator.DefaultRequestHeaders.Authorization = new("Bearer", sos.ReplicatorToken);
        var tombstone = await replicator.GetFromJsonAsync<TombstoneRecord>($"/tombstone/{id}");
        using (var forgotten = await replicator.DeleteAsync($"/tombstone/{id}?upTo={tombstone!.Timestamp}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, forgotten.StatusCode);
        }
        using var copy = new HttpRequestMessage(HttpMethod.Put, $"/blob/{id}") { Content = new ByteArrayContent(bytes) };
        copy.Headers.Add(HybridTimestamp.Header, written.ToString());
        copy.Headers.Add("X-Mime-Type", mimeType);
        using var stored = await replicator.SendAsync(copy);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.True(File.Exists(sos.CopyPath(server, id)));
    }
}
