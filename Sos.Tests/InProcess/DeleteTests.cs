using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Sos.Tests.InProcess;

[Collection(InProcessSosDefinition.Name)]
public sealed class DeleteTests(InProcessSos sos)
{
    // Larger than the download cache's largest entry: these fetches always ask the blob servers.
    private const int Uncached = 100_000;

    [Fact]
    public async Task ADeletedObjectAnswers404AndItsCopiesLeaveEveryServer()
    {
        var stored = await sos.UploadAsync(TestBytes.Fresh(Uncached));
        Assert.NotEmpty(sos.ServersHolding(stored.Id));

        using var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var body = JsonDocument.Parse(await deleted.Content.ReadAsStringAsync());
        Assert.Equal(stored.Id, body.RootElement.GetProperty("id").GetString());
        Assert.Equal("deleted", body.RootElement.GetProperty("status").GetString());
        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        using var head = await sos.Download.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fetch/{stored.Id}"));
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(sos.ServersHolding(stored.Id));
    }

    [Fact]
    public async Task ADeleteIsIdempotent()
    {
        var stored = await sos.UploadAsync(TestBytes.Fresh(1000));

        using var first = await sos.Upload.DeleteAsync($"/upload/{stored.Id}");
        using var second = await sos.Upload.DeleteAsync($"/upload/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Fact]
    public async Task AnIdNeverStoredAnswers404AndAMalformedOne400()
    {
        using var never = await sos.Upload.DeleteAsync($"/upload/{TestBytes.HexId(TestBytes.Fresh(64))}");
        using var malformed = await sos.Upload.DeleteAsync("/upload/NOT-AN-ID");

        Assert.Equal(HttpStatusCode.NotFound, never.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task AnObjectUploadedAgainAfterItsDeleteIsServedAgainWithItsCopies()
    {
        var bytes = TestBytes.Fresh(Uncached);
        var stored = await sos.UploadAsync(bytes);
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        await sos.UploadAsync(bytes);

        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.True(sos.ServersHolding(stored.Id).Length >= InProcessSos.MinCopies);
    }

    [Fact]
    public async Task ACachedObjectIsNoLongerServedOnceItsRecheckIsDueAfterADelete()
    {
        var recheckAfter = TimeSpan.FromMilliseconds(300);
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 1024 * 1024, recheckAfter);
        var stored = await sos.UploadAsync(TestBytes.Fresh(2000));
        using (var warm = await download.GetAsync($"/fetch/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        await Task.Delay(recheckAfter + TimeSpan.FromMilliseconds(100));

        using var fetched = await download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Fact]
    public async Task ACachedObjectDeletedAndUploadedAgainIsServedWithTheNewUploadsMetadataOnceItsRecheckIsDue()
    {
        var recheckAfter = TimeSpan.FromMilliseconds(300);
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 1024 * 1024, recheckAfter);
        var bytes = TestBytes.Fresh(2000);
        var stored = await sos.UploadAsync(bytes, ("X-Mime-Type", "image/png"));
        using (var warm = await download.GetAsync($"/fetch/{stored.Id}"))
        {
            Assert.Equal("image/png", warm.Content.Headers.ContentType?.MediaType);
        }
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        await sos.UploadAsync(bytes, ("X-Mime-Type", "text/plain"));
        await Task.Delay(recheckAfter + TimeSpan.FromMilliseconds(100));

        using var fetched = await download.GetAsync($"/fetch/{stored.Id}");
        using var again = await download.GetAsync($"/fetch/{stored.Id}");

        foreach (var response in new[] { fetched, again })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task TheCredentialOfTheDownloadApiCannotRecordADelete()
    {
        var stored = await sos.UploadAsync(TestBytes.Fresh(1000));
        using var blob = sos.BlobServer(sos.ServersHolding(stored.Id)[0]);

        using var refused = await blob.PutAsync($"/tombstone/{stored.Id}", content: null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using var still = await sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task BlobServersListTombstonesApartFromTheirIds()
    {
        var stored = await sos.UploadAsync(TestBytes.Fresh(1000));
        var holder = sos.ServersHolding(stored.Id)[0];
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        using var blob = sos.BlobServer(holder);

        var ids = await blob.GetFromJsonAsync<string[]>("/blobs");
        var tombstones = await blob.GetFromJsonAsync<JsonElement[]>("/tombstones?limit=100000");

        Assert.DoesNotContain(stored.Id, ids!);
        Assert.Contains(tombstones!, entry => entry.GetProperty("id").GetString() == stored.Id && entry.GetProperty("timestamp").GetInt64() > 0);
    }
}
