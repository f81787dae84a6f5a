using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.InProcess;

[Collection(InProcessSosDefinition.Name)]
public sealed class UploadAndFetchTests(InProcessSos sos)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(3 * 1024 * 1024)]
    public async Task UploadThenFetchReturnsIdenticalBytes(int size)
    {
        var bytes = TestBytes.Fresh(size);

        var stored = await UploadAsync(bytes);

        Assert.Equal(TestBytes.HexId(bytes), stored.Id);
        Assert.Equal(size, stored.Size);
        Assert.Equal("OK", stored.Status);
        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(size, fetched.Content.Headers.ContentLength);
        Assert.Equal("application/octet-stream", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnAcknowledgedUploadIsOnDiskOnAtLeastTwoBlobServers()
    {
        var bytes = TestBytes.Fresh(10_000);

        var stored = await UploadAsync(bytes);

        var holders = sos.ServersHolding(stored.Id);
        Assert.True(holders.Length >= 2, $"expected at least 2 copies, found {holders.Length}");
        foreach (var server in holders)
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, stored.Id));
        }
    }

    [Fact]
    public async Task UploadingTheSameBytesTwiceGivesTheSameIdAndOneCopyPerServer()
    {
        var bytes = TestBytes.Fresh(5000);

        var first = await UploadAsync(bytes);
        var second = await UploadAsync(bytes);

        Assert.Equal(first.Id, second.Id);
        for (var server = 0; server < InProcessSos.BlobServerCount; server++)
        {
            // One record in the log at most (the second upload found the copies and wrote none), never a file beside it.
            var records = DiskCopies.LogRecordsOf(sos.BlobRoot(server), first.Id);
            Assert.True(records <= 1, $"blob{server} holds {records} log records of it");
            Assert.False(File.Exists(sos.CopyPath(server, first.Id)), $"blob{server} holds a file of it besides");
        }
        Assert.Equal(2, sos.ServersHolding(first.Id).Length);
    }

    [Fact]
    public async Task SixteenClientsUploadingTheSameBodyAtOnceGetOneIdAndIntactCopies()
    {
        // Above every size threshold (held in memory, group commit, checked before sending), so each
        // upload spools and each copy is flushed on its own: sixteen writes of one id race on every server.
        var bytes = TestBytes.Fresh(2 * 1024 * 1024);

        var stored = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => UploadAsync(bytes, ("X-Orig-Filename", "same.bin"))));

        var id = Assert.Single(stored.Select(result => result.Id).Distinct());
        Assert.Equal(TestBytes.HexId(bytes), id);
        var holders = sos.ServersHolding(id);
        Assert.True(holders.Length >= 2, $"expected at least 2 copies, found {holders.Length}");
        foreach (var server in holders)
        {
            Assert.Equal(bytes, sos.CopyOnDisk(server, id));
        }
        Assert.Empty(sos.StagedFiles());
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal("same.bin", Assert.Single(fetched.Headers.GetValues("X-Orig-Filename")));
    }

    [Fact]
    public async Task MetadataHeadersComeBackAndMimeTypeBecomesContentType()
    {
        var bytes = TestBytes.Fresh(300);
        var stored = await UploadAsync(bytes, ("X-Orig-Filename", "holiday.jpg"), ("X-MIME-Type", "image/jpeg"));

        using var fetched = await sos.Download.GetAsync($"/fetch/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal("image/jpeg", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal("holiday.jpg", Assert.Single(fetched.Headers.GetValues("X-Orig-Filename")));
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AnExtensionOnTheIdPicksTheContentTypeWhenNoneWasUploaded()
    {
        var bytes = TestBytes.Fresh(100);
        var stored = await UploadAsync(bytes);

        using var png = await sos.Download.GetAsync($"/fetch/{stored.Id}.png");

        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await png.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task HeadAnswersHeadersWithoutTheBodyAndNotFoundForAnAbsentId()
    {
        var bytes = TestBytes.Fresh(1234);
        var stored = await UploadAsync(bytes, ("X-Orig-Filename", "a.bin"));

        using var present = await sos.Download.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fetch/{stored.Id}"));
        using var absent = await sos.Download.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fetch/{new string('0', 40)}"));

        Assert.Equal(HttpStatusCode.OK, present.StatusCode);
        Assert.Equal(1234, present.Content.Headers.ContentLength);
        Assert.Equal("a.bin", Assert.Single(present.Headers.GetValues("X-Orig-Filename")));
        Assert.Empty(await present.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
    }

    [Fact]
    public async Task AnUnknownIdIsNotFoundAtTheDownloadApiAndTheBlobServers()
    {
        var unknown = TestBytes.HexId(TestBytes.Fresh(64));

        using var fetched = await sos.Download.GetAsync($"/fetch/{unknown}");
        using var blob = await sos.BlobServer(0).GetAsync($"/blob/{unknown}");

        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
        Assert.Equal("application/problem+json", fetched.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, blob.StatusCode);
    }

    [Theory]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    [InlineData("%2e%2e%2fetc%2fpasswd")]
    [InlineData("..%2f")]
    [InlineData("%2e%2e%2f")]
    [InlineData("%252e%252e%252f")]
    [InlineData("..%5c..%5cwindows")]
    [InlineData("DA39A3EE5E6B4B0D3255BFEF95601890AFD80709")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd8070")]
    [InlineData("da39a3ee5e6b4b0d3255bfef95601890afd807090")]
    [InlineData("zz39a3ee5e6b4b0d3255bfef95601890afd80709")]
    public async Task MalformedIdsAreRejectedAtEveryTier(string id)
    {
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        using var blobRead = await sos.BlobServer(0).GetAsync($"/blob/{id}");
        using var blobWrite = await sos.BlobServer(0).PostAsync($"/blob/{id}", new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.BadRequest, fetched.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, blobRead.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, blobWrite.StatusCode);
    }

    [Fact]
    public async Task ABlobServerRefusesBytesThatDoNotHashToTheId()
    {
        var bytes = TestBytes.Fresh(2048);
        var wrongId = TestBytes.HexId(TestBytes.Fresh(16));

        using var response = await sos.BlobServer(1).PostAsync($"/blob/{wrongId}", new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(TestBytes.HexId(bytes), await response.Content.ReadAsStringAsync());
        Assert.Null(DiskCopies.Find(sos.BlobRoot(1), wrongId));
        Assert.Empty(Directory.GetFiles(Path.Combine(sos.DataDirectory, "blob1", ".tmp")));
    }

    [Fact]
    public async Task AnUploadOverTheMaximumSizeIsRefusedAndNothingIsStored()
    {
        var bytes = TestBytes.Fresh((int)InProcessSos.MaxObjectBytes + 1);

        // As curl does for large bodies: the answer comes before the body is sent at all.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        request.Headers.ExpectContinue = true;

        using var response = await sos.Upload.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(sos.ServersHolding(TestBytes.HexId(bytes)));
    }

    [Fact]
    public async Task TheBlobServerListsWhatItHoldsWholeAndPaged()
    {
        var stored = await UploadAsync(TestBytes.Fresh(700));
        var holder = sos.ServersHolding(stored.Id)[0];
        var client = sos.BlobServer(holder);

        var all = await client.GetFromJsonAsync<string[]>("/blobs") ?? [];
        var firstPage = await client.GetFromJsonAsync<string[]>("/blobs?limit=1") ?? [];

        Assert.Contains(stored.Id, all);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Equal(all[..1], firstPage);
        var rest = await client.GetFromJsonAsync<string[]>($"/blobs?after={firstPage[0]}&limit=100000") ?? [];
        Assert.Equal(all[1..], rest);
    }

    private async Task<StoredObject> UploadAsync(byte[] bytes, params (string Name, string Value)[] headers)
    {
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = content };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }
        using var response = await sos.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!;
    }
}
