using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Time;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// Deletes against blob servers that were stopped, killed, or away for longer than the tombstone
/// grace: what was acknowledged as deleted stays deleted, on every download path and on disk.
/// </summary>
[Collection(OutageAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class DeleteOutageTests(OutageAppFixture app)
{
    private readonly SosAppFixture _sos = app.Sos;

    [Fact]
    public async Task ADeleteMadeWhileAHolderWasStoppedStaysDeletedOnEveryPathAfterItReturnsAndOnePassMovesItsCopyToTheTrash()
    {
        // Small enough for the download API's cache: fetched once, it is served from memory.
        var bytes = SosAppFixture.RandomBytes(20_000);
        var id = await UploadAsync(bytes);
        using (var cached = await _sos.Download.GetAsync($"/fetch/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, cached.StatusCode);
        }
        var away = _sos.ServersHolding(id)[0];
        await _sos.StopBlobServerAsync(away);
        try
        {
            await DeleteAsync(id);
        }
        finally
        {
            await _sos.StartBlobServerAsync(away);
        }
        // Back with its copy, which the delete never reached.
        Assert.NotNull(DiskCopies.Find(_sos.BlobRoot(away), id));

        var (exitCode, output) = await _sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        Assert.Empty(_sos.ServersHolding(id));
        Assert.Contains(Directory.EnumerateFiles(Path.Combine(_sos.DataDirectory, $"blob{away}", ".trash"), "*", SearchOption.AllDirectories),
            path => Path.GetFileName(path).StartsWith(id, StringComparison.Ordinal));
        await Task.Delay(OutageAppFixture.RecheckAfter * 2); // the cached copy's recheck is due
        await AssertGoneEverywhereAsync(id);

        // A second pass finds nothing to restore either.
        var (again, againOutput) = await _sos.RunReplicatorAsync();
        Assert.True(again == 0, againOutput);
        Assert.Empty(_sos.ServersHolding(id));
    }

    [Fact]
    public async Task AnAcknowledgedDeleteSurvivesItsBlobServersBeingKilledAndRestarted()
    {
        var id = await UploadAsync(SosAppFixture.RandomBytes(5000));
        await DeleteAsync(id);
        var records = await RecordsAsync(id);
        var holding = Enumerable.Range(0, SosAppFixture.BlobServerCount).Where(server => records[server].TombstoneStamp is not null).ToArray();
        Assert.True(holding.Length >= 2, $"the tombstone is on {holding.Length} servers");

        // SIGKILL every server that recorded the delete, then bring them back.
        foreach (var server in holding)
        {
            _sos.KillBlobServer(server);
        }
        foreach (var server in holding)
        {
            await _sos.StartBlobServerAsync(server);
        }

        foreach (var server in holding)
        {
            Assert.Equal(records[server], await ServerRecord.ReadAsync(_sos, server, id));
            var listed = await _sos.BlobServer(server).GetFromJsonAsync<TombstoneRecord[]>("/tombstones?limit=100000");
            Assert.Contains(listed!, tombstone => tombstone.Id == id && tombstone.Timestamp == records[server].TombstoneStamp);
        }
        await AssertGoneEverywhereAsync(id);
    }

    [Fact]
    public async Task AServerAwayLongerThanTheTombstoneGraceIsReportedStaleAndItsCopyOfADeletedObjectIsNotCopiedBack()
    {
        var bytes = SosAppFixture.RandomBytes(3000);
        var id = await UploadAsync(bytes);
        await DeleteAsync(id);
        var (spreadExit, spreadOutput) = await _sos.RunReplicatorAsync(); // every server holds the tombstone, every server is marked
        Assert.True(spreadExit == 0, spreadOutput);
        var deleted = (await ServerRecord.ReadAsync(_sos, 0, id)).TombstoneStamp!.Value;
        // The grace passed and a pass collected the tombstone everywhere (done here by hand, as the pass does it)...
        for (var server = 0; server < SosAppFixture.BlobServerCount; server++)
        {
            using var forgot = await _sos.BlobServerAsReplicator(server).DeleteAsync($"/tombstone/{id}?upTo={deleted}");
            Assert.Equal(HttpStatusCode.NoContent, forgot.StatusCode);
        }
        // ...while blob2 was away, with its copy from before the delete, last seen 8 days before the others.
        const int away = 2;
        await WriteOldCopyAsync(away, id, bytes, deleted - 1);
        await File.WriteAllTextAsync(Path.Combine(_sos.DataDirectory, $"blob{away}", ".replicator-seen"),
            (DateTimeOffset.UtcNow - TimeSpan.FromDays(8)).UtcTicks.ToString(CultureInfo.InvariantCulture));

        var (exitCode, output) = await _sos.RunReplicatorAsync();

        Assert.True(exitCode == 1, output);
        Assert.Contains($"blob{away} is stale", output, StringComparison.Ordinal);
        Assert.Contains("1 of 3 blob servers are stale", output, StringComparison.Ordinal);
        // One copy of an object the cluster no longer knows as deleted: any pass before would have copied it back.
        Assert.Equal([away], _sos.ServersHolding(id));

        // The operator checks it, removes the deleted object's copy, and accepts the server back.
        using (var removed = await _sos.BlobServerAsReplicator(away).DeleteAsync($"/blob/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }
        using (var accepted = await _sos.BlobServerAsReplicator(away).PutAsync("/replicator/seen", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }
        var (afterExit, afterOutput) = await _sos.RunReplicatorAsync();
        Assert.True(afterExit == 0, afterOutput);
        Assert.Empty(_sos.ServersHolding(id));
    }

    /// <summary>The id answers 404 on every download path (whole, range, conditional, with an extension, HEAD) and on every blob server.</summary>
    private async Task AssertGoneEverywhereAsync(string id)
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            foreach (var path in new[] { $"/fetch/{id}", $"/fetch/{id}.bin" })
            {
                using var whole = await _sos.Download.SendAsync(new HttpRequestMessage(method, path));
                Assert.Equal(HttpStatusCode.NotFound, whole.StatusCode);
            }
            using var range = new HttpRequestMessage(method, $"/fetch/{id}");
            range.Headers.Range = new RangeHeaderValue(0, 9);
            using (var ranged = await _sos.Download.SendAsync(range))
            {
                Assert.Equal(HttpStatusCode.NotFound, ranged.StatusCode);
            }
            using var conditional = new HttpRequestMessage(method, $"/fetch/{id}");
            conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{id}\""));
            using (var revalidated = await _sos.Download.SendAsync(conditional))
            {
                Assert.Equal(HttpStatusCode.NotFound, revalidated.StatusCode);
            }
        }
        Assert.All(await RecordsAsync(id), record => Assert.Null(record.CopyStamp));
    }

    private async Task<ServerRecord[]> RecordsAsync(string id) =>
        await Task.WhenAll(Enumerable.Range(0, SosAppFixture.BlobServerCount).Select(server => ServerRecord.ReadAsync(_sos, server, id)));

    private async Task WriteOldCopyAsync(int server, string id, byte[] bytes, long stamp)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/blob/{id}") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation(HybridTimestamp.Header, stamp.ToString(CultureInfo.InvariantCulture));
        using var written = await _sos.BlobServer(server).SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
    }

    private async Task<string> UploadAsync(byte[] bytes)
    {
        using var response = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }

    private async Task DeleteAsync(string id)
    {
        using var deleted = await _sos.Upload.DeleteAsync($"/upload/{id}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
    }
}
