using System.Net;
using System.Net.Http.Headers;
using Sos.Core.Objects;

namespace Sos.Tests.InProcess;

/// <summary>
/// A download API told the blob servers' data directories reads large copies from there, checked
/// chunk by chunk as the servers check them, and leaves every other case to the servers: small
/// objects, deletes, and copies that are damaged (which their server then quarantines).
/// </summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class VolumeReadTests(InProcessSos sos)
{
    // Several chunks and a part of one: ranges that start, end and span them all occur.
    private const int Large = (3 * 1024 * 1024) + 12_345;

    [Fact]
    public async Task ObjectsAreServedWholeAndInRangesFromTheVolumesWhileEveryBlobServerIsDown()
    {
        var cluster = new InProcessSos();
        await cluster.InitializeAsync();
        try
        {
            var large = TestBytes.Fresh(Large);
            var small = TestBytes.Fresh(10_000);
            var stored = await cluster.UploadAsync(large, ("X-Mime-Type", "image/png"), ("X-Orig-Filename", "photo.png"));
            var smallStored = await cluster.UploadAsync(small);
            using var download = await cluster.StartDownloadApiAsync(cacheMaxBytes: 0, readVolumes: true);
            // The first read makes the cluster client, which starts following the logs.
            using (var first = await download.GetAsync($"/fetch/{smallStored.Id}"))
            {
                Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            }
            for (var i = 0; i < InProcessSos.BlobServerCount; i++)
            {
                await cluster.StopBlobServerAsync(i);
            }

            using (var whole = await download.GetAsync($"/fetch/{stored.Id}"))
            {
                Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
                Assert.Equal(large, await whole.Content.ReadAsByteArrayAsync());
                Assert.Equal("image/png", whole.Content.Headers.ContentType?.MediaType);
                Assert.Equal("photo.png", Assert.Single(whole.Headers.GetValues("X-Orig-Filename")));
                Assert.Equal($"\"{stored.Id}\"", whole.Headers.ETag?.Tag);
            }
            foreach (var (from, to) in new (long?, long?)[] { (0, 0), (100, 200_000), (65_536, 131_071), (65_535, 65_536), (3_000_000, null), (null, 1000), (Large - 1, Large + 50) })
            {
                var expected = Slice(large, from, to);
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/fetch/{stored.Id}") { Headers = { Range = new RangeHeaderValue(from, to) } };
                using var part = await download.SendAsync(request);
                Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
                Assert.Equal(expected, await part.Content.ReadAsByteArrayAsync());
                Assert.Equal(Large, part.Content.Headers.ContentRange?.Length);
            }
            using (var beyond = new HttpRequestMessage(HttpMethod.Get, $"/fetch/{stored.Id}") { Headers = { Range = new RangeHeaderValue(Large + 10, null) } })
            using (var unsatisfiable = await download.SendAsync(beyond))
            {
                Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
            }
            // A small one is read from a server's log (followed from the download API's first read on).
            Assert.Equal(small, await FetchOnceFollowedAsync(download, smallStored.Id));
            using (var request = new HttpRequestMessage(HttpMethod.Get, $"/fetch/{smallStored.Id}") { Headers = { Range = new RangeHeaderValue(5_000, 5_099) } })
            using (var part = await download.SendAsync(request))
            {
                Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
                Assert.Equal(small[5_000..5_100], await part.Content.ReadAsByteArrayAsync());
            }
            // One not on any volume is asked of the servers: with none up, none answers.
            using var absent = await download.GetAsync($"/fetch/{TestBytes.HexId(TestBytes.Fresh(100))}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, absent.StatusCode);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task ACopyBesideATombstoneIsLeftToItsServerWhichAnswersTheDelete()
    {
        var bytes = TestBytes.Fresh(Large);
        var stored = await sos.UploadAsync(bytes);
        var holders = sos.ServersHolding(stored.Id);
        var kept = holders.ToDictionary(server => server, server => File.ReadAllBytes(sos.CopyPath(server, stored.Id) + ".meta"));
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 0, readVolumes: true);
        using (var deleted = await sos.Upload.DeleteAsync($"/upload/{stored.Id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // A stop between a delete's two steps: the tombstone is written, the copy still in place.
        foreach (var (server, metadata) in kept)
        {
            await File.WriteAllBytesAsync(sos.CopyPath(server, stored.Id), bytes);
            await File.WriteAllBytesAsync(sos.CopyPath(server, stored.Id) + ".meta", metadata);
            File.SetLastWriteTimeUtc(sos.CopyPath(server, stored.Id), DateTime.UtcNow.AddHours(-1));
        }

        using var fetched = await download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.NotFound, fetched.StatusCode);
    }

    [Fact]
    public async Task ACopyThatGoesBadMidwayIsCutShortAndQuarantinedBeforeTheReaderSeesTheEnd()
    {
        var bytes = TestBytes.Fresh(Large);
        var stored = await sos.UploadAsync(bytes);
        var preferred = PreferredHolder(stored.Id);
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 0, readVolumes: true);
        DiskCopies.Corrupt(sos.BlobRoot(preferred), stored.Id, at: Large / 2);

        var failure = await Record.ExceptionAsync(async () =>
        {
            using var fetched = await download.GetAsync($"/fetch/{stored.Id}");
            await fetched.Content.ReadAsByteArrayAsync();
        });

        Assert.True(failure is HttpRequestException or IOException, $"expected the body to be cut short, got {failure?.GetType().Name ?? "all of it"}");
        Assert.Single(QuarantinedCopies(preferred, stored.Id));
        using var again = await download.GetAsync($"/fetch/{stored.Id}");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(bytes, await again.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ACopyThatStartsBadIsPassedOverForTheNextAndQuarantined()
    {
        var bytes = TestBytes.Fresh(Large);
        var stored = await sos.UploadAsync(bytes);
        var preferred = PreferredHolder(stored.Id);
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 0, readVolumes: true);
        DiskCopies.Corrupt(sos.BlobRoot(preferred), stored.Id, at: 10);

        using var fetched = await download.GetAsync($"/fetch/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Single(QuarantinedCopies(preferred, stored.Id));
    }

    /// <summary>The object, once the logs have been read through: until then a small object is asked of its (stopped) servers.</summary>
    private static async Task<byte[]> FetchOnceFollowedAsync(HttpClient download, string id)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var fetched = await download.GetAsync($"/fetch/{id}");
            if (fetched.StatusCode == HttpStatusCode.OK || attempt == 50)
            {
                Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
                return await fetched.Content.ReadAsByteArrayAsync();
            }
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task ASmallCopyThatRottedInItsServersLogIsPassedOverForTheNextAndQuarantined()
    {
        var bytes = TestBytes.Fresh(10_000);
        var stored = await sos.UploadAsync(bytes);
        var preferred = PreferredHolder(stored.Id);
        using var download = await sos.StartDownloadApiAsync(cacheMaxBytes: 0, readVolumes: true);
        Assert.Equal(bytes, await FetchOnceFollowedAsync(download, stored.Id));
        Assert.True(DiskCopies.LogRecordsOf(sos.BlobRoot(preferred), stored.Id) > 0, "the copy is not in the log");
        DiskCopies.Corrupt(sos.BlobRoot(preferred), stored.Id, at: 5_000);

        using var fetched = await download.GetAsync($"/fetch/{stored.Id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Single(QuarantinedCopies(preferred, stored.Id));
    }

    private static byte[] Slice(byte[] bytes, long? from, long? to) =>
        from is { } first
            ? bytes[(int)first..(int)(Math.Min(to ?? long.MaxValue, bytes.Length - 1) + 1)]
            : bytes[(int)(bytes.Length - to!.Value)..];

    /// <summary>The first server, in the object's rendezvous order, that holds a copy: the one a read asks first.</summary>
    private int PreferredHolder(string id) => sos.Ranked(ObjectId.Parse(id)).First(sos.ServersHolding(id).Contains);

    private string[] QuarantinedCopies(int server, string id) => DiskCopies.Quarantined(sos.BlobRoot(server), id);
}
