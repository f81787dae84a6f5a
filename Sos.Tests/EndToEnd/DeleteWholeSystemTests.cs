using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Xunit.Abstractions;

namespace Sos.Tests.EndToEnd;

/// <summary>Deletes on a whole, running cluster: what a later upload or a racing one does to them.</summary>
[Collection(SosAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class DeleteWholeSystemTests(SosAppFixture sos, ITestOutputHelper output)
{
    [Fact]
    public async Task AnObjectUploadedAgainAfterItsDeleteIsServedAgainWithItsCopiesAndAPassKeepsThem()
    {
        var bytes = SosAppFixture.RandomBytes(30_000);
        var id = await UploadAsync(bytes);
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        using (var gone = await sos.Download.GetAsync($"/fetch/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Equal(id, await UploadAsync(bytes));
        var (exitCode, report) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, report);
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        var holders = sos.ServersHolding(id);
        Assert.True(holders.Length >= 2, $"{holders.Length} copies after the pass");
        Assert.All(holders, server => Assert.Equal(bytes, sos.CopyOnDisk(server, id)));
    }

    [Fact]
    public async Task AnUploadAndADeleteOfOneIdRacingEndTheSameOnEveryServerAfterAPassAsTheLaterOneDecides()
    {
        const int Rounds = 20;
        var objects = new List<(string Id, byte[] Bytes)>();
        for (var round = 0; round < Rounds; round++)
        {
            var bytes = SosAppFixture.RandomBytes(2000 + round);
            var id = await UploadAsync(bytes);
            // The same bytes again and their delete, at once: either may be stamped later.
            var upload = sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
            var delete = sos.Upload.DeleteAsync($"/upload/{id}");
            using var uploaded = await upload;
            using var deleted = await delete;
            Assert.True(uploaded.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"upload answered {uploaded.StatusCode}");
            Assert.True(deleted.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"delete answered {deleted.StatusCode}");
            objects.Add((id, bytes));
        }

        var (exitCode, report) = await sos.RunReplicatorAsync();

        Assert.True(exitCode == 0, report);
        var kept = 0;
        foreach (var (id, bytes) in objects)
        {
            var records = await Task.WhenAll(Enumerable.Range(0, SosAppFixture.BlobServerCount).Select(server => ServerRecord.ReadAsync(sos, server, id)));
            var newestCopy = records.Max(record => record.CopyStamp);
            var newestTombstone = records.Max(record => record.TombstoneStamp);
            using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
            if (newestTombstone > (newestCopy ?? long.MinValue))
            {
                // The delete is later: every server holds that tombstone and no copy.
                Assert.All(records, record => Assert.Equal(new ServerRecord(null, newestTombstone), record));
                Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
            }
            else
            {
                // The upload is later: its copies are where they belong, and no server's tombstone is as late as any of them.
                kept++;
                Assert.True(records.Count(record => record.CopyStamp is not null) >= 2, $"{id} is short of copies");
                Assert.All(records, record => Assert.True(record.TombstoneStamp is null || record.TombstoneStamp < records.Min(r => r.CopyStamp ?? long.MaxValue)));
                Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
                Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
            }
        }
        output.WriteLine($"{Rounds} races: the upload was later in {kept}, the delete in {Rounds - kept}");
    }

    private async Task<string> UploadAsync(byte[] bytes)
    {
        using var response = await sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }
}
