using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class ReplicatorTests(SosAppFixture sos)
{
    [Fact]
    public async Task OnePassRestoresACopyDeletedFromDiskWithItsMetadata()
    {
        var bytes = SosAppFixture.RandomBytes(3000);
        var id = await UploadAsync(bytes);
        var lost = sos.ServersHolding(id)[0];
        await DeleteCopyAsync(lost, id);
        Assert.Single(sos.ServersHolding(id));

        var (exitCode, output) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        var holders = sos.ServersHolding(id);
        Assert.Equal(2, holders.Length);
        foreach (var server in holders)
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, id));
            using var copy = await sos.BlobServer(server).GetAsync($"/blob/{id}");
            Assert.Equal("restored.txt", Assert.Single(copy.Headers.GetValues("X-Orig-Filename")));
        }
    }

    [Fact]
    public async Task ADryRunReportsTheMissingCopyAndChangesNothing()
    {
        var id = await UploadAsync(SosAppFixture.RandomBytes(2000));
        await DeleteCopyAsync(sos.ServersHolding(id)[0], id);
        var before = sos.ServersHolding(id);

        var (exitCode, output) = await sos.RunReplicatorAsync("--dry-run");

        Assert.True(exitCode == 1, output);
        Assert.Equal(before, sos.ServersHolding(id));

        // Leave the store whole for the other tests.
        var (repairExit, repairOutput) = await sos.RunReplicatorAsync();
        Assert.True(repairExit == 0, repairOutput);
        Assert.Equal(2, sos.ServersHolding(id).Length);
    }

    [Fact]
    public async Task OnePassRestoresDeletedCopiesAndCopiesTheScrubQuarantinedForFlippedBytes()
    {
        var objects = new List<(string Id, byte[] Bytes)>();
        for (var i = 0; i < 6; i++)
        {
            var bytes = SosAppFixture.RandomBytes(2000 + (i * 7919));
            objects.Add((await UploadAsync(bytes), bytes));
        }
        var deleted = objects[..3];
        var corrupted = objects[3..];
        foreach (var (id, _) in deleted)
        {
            await DeleteCopyAsync(sos.ServersHolding(id)[0], id);
        }
        var damaged = new Dictionary<string, int>();
        foreach (var (id, bytes) in corrupted)
        {
            var server = sos.ServersHolding(id)[1];
            // Same length, other bytes, wherever the copy lies on its disk.
            DiskCopies.Corrupt(sos.BlobRoot(server), id, bytes.Length / 2);
            damaged[id] = server;
        }

        // The blob servers' scrub finds the damaged copies and takes them out of service.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (damaged.Any(pair => sos.QuarantinedCopies(pair.Value, pair.Key).Length == 0))
        {
            await Task.Delay(250, timeout.Token);
        }
        var (exitCode, output) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, output);
        foreach (var (id, bytes) in objects)
        {
            var holders = sos.ServersHolding(id);
            Assert.Equal(2, holders.Length);
            foreach (var server in holders)
            {
                Assert.Equal(bytes, sos.CopyOnDisk(server, id));
            }
        }
        foreach (var (id, server) in damaged)
        {
            Assert.NotEqual(objects.Single(o => o.Id == id).Bytes, await File.ReadAllBytesAsync(Assert.Single(sos.QuarantinedCopies(server, id))));
        }
    }

    [Fact]
    public async Task ReplicateNowOnTheDashboardMakesTheRunningReplicatorRestoreACopy()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await sos.App.ResourceNotifications.WaitForResourceHealthyAsync("replicator", timeout.Token);
        var bytes = SosAppFixture.RandomBytes(4000);
        var id = await UploadAsync(bytes);
        await DeleteCopyAsync(sos.ServersHolding(id)[0], id);

        var result = await sos.App.ResourceCommands.ExecuteCommandAsync("replicator", "replicate-now", timeout.Token);

        Assert.True(result.Success, result.Message);
        while (sos.ServersHolding(id).Length < 2)
        {
            await Task.Delay(250, timeout.Token);
        }
        foreach (var server in sos.ServersHolding(id))
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, id));
        }
    }

    [Fact]
    public async Task AVerifyPassHasEveryHolderVerifyItsCopyByHash()
    {
        var id = await UploadAsync(SosAppFixture.RandomBytes(6000));

        var (exitCode, output) = await sos.RunReplicatorAsync("--verify");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Verified by hash", output, StringComparison.Ordinal);
        Assert.Equal(2, sos.ServersHolding(id).Length);
    }

    [Fact]
    public async Task ARebalancingPassMovesAHandoffCopyIntoTheTrashAndKeepsThePreferredOnes()
    {
        var bytes = SosAppFixture.RandomBytes(5000);
        var id = await UploadAsync(bytes);
        var preferred = sos.ServersHolding(id);
        var handoff = Enumerable.Range(0, SosAppFixture.BlobServerCount).First(server => !preferred.Contains(server));
        // A copy on a server the object does not prefer, as an upload during an outage leaves one.
        using (var copy = await sos.BlobServer(handoff).PostAsync($"/blob/{id}", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.OK, copy.StatusCode);
        }

        var (exitCode, output) = await sos.RunReplicatorAsync("--rebalance");

        Assert.True(exitCode == 0, output);
        Assert.Equal(preferred, sos.ServersHolding(id));
        var trash = Path.Combine(sos.DataDirectory, $"blob{handoff}", ".trash");
        Assert.Contains(Directory.EnumerateFiles(trash, "*", SearchOption.AllDirectories), path => path.Contains(id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnUnknownOptionIsAUsageError()
    {
        var (exitCode, output) = await sos.RunReplicatorAsync("--no-such-option");

        Assert.True(exitCode == 2, output);
    }

    /// <summary>A copy gone from one server, as the replicator's own removal takes it away.</summary>
    private async Task DeleteCopyAsync(int server, string id)
    {
        using var replicator = sos.BlobServerAsReplicator(server);
        using var removed = await replicator.DeleteAsync($"/blob/{id}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Null(DiskCopies.Find(sos.BlobRoot(server), id));
    }

    private async Task<string> UploadAsync(byte[] bytes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("X-Orig-Filename", "restored.txt");
        using var response = await sos.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }
}
