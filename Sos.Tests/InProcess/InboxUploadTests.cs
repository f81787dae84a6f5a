using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.Tests.InProcess;

/// <summary>
/// An upload API told the blob servers' data directories writes small copies to the servers'
/// inboxes, which the servers adopt: an acknowledged copy is on the disk of each server it names,
/// found at once through the server, deleted, refused and kept first-write-wins as one sent over
/// HTTP; a server that is not running gets no copy in its inbox, its copy goes to the next server.
/// </summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class InboxUploadTests(InProcessSos sos)
{
    [Fact]
    public async Task ASmallUploadIsWrittenToItsServersInboxesAndServedByThemAtOnce()
    {
        using var upload = await sos.StartUploadApiWithVolumesAsync();
        var bytes = TestBytes.Fresh(4096);
        var id = ObjectId.Of(bytes);

        using var response = await upload.PostAsync("/upload", Content(bytes, ("X-Orig-Filename", "a.txt")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ranked = sos.Ranked(id);
        foreach (var index in ranked[..InProcessSos.MinCopies])
        {
            // This process's segment stays while the writer holds it: the record is there as written.
            Assert.Contains(StoreLayout.InboxSegments(Path.Combine(sos.BlobRoot(index), StoreLayout.InboxFolder)), segment => HoldsRecordOf(segment, id));
            // Asked at once, before any pass of its adopter: the server finds the copy.
            using var blob = sos.BlobServer(index);
            using var read = await blob.GetAsync($"/blob/{id}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(bytes, await read.Content.ReadAsByteArrayAsync());
            Assert.Equal("a.txt", read.Headers.GetValues("X-Orig-Filename").Single());
        }
        Assert.Equal([.. ranked[..InProcessSos.MinCopies].Order()], sos.ServersHolding(id.ToString()));
    }

    [Fact]
    public async Task AnObjectUploadedThroughTheInboxesIsDeletedAndUploadedAgainAsAnyOther()
    {
        using var upload = await sos.StartUploadApiWithVolumesAsync();
        var bytes = TestBytes.Fresh(3000);
        var id = ObjectId.Of(bytes);
        using (var stored = await upload.PostAsync("/upload", Content(bytes)))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        using (var deleted = await upload.DeleteAsync($"/upload/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }
        using (var gone = await sos.Download.GetAsync($"/fetch/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        Assert.Empty(sos.ServersHolding(id.ToString()));

        using (var again = await upload.PostAsync("/upload", Content(bytes, ("X-Orig-Filename", "again.txt"))))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }
        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        Assert.Equal(InProcessSos.MinCopies, (await AnsweringAsync(sos, id)).Length);
    }

    [Fact]
    public async Task AnUploadAgainRightAfterKeepsTheFirstMetadataAndIfNoneMatchIsRefused()
    {
        using var upload = await sos.StartUploadApiWithVolumesAsync();
        var bytes = TestBytes.Fresh(2000);
        var id = ObjectId.Of(bytes);
        using (var first = await upload.PostAsync("/upload", Content(bytes, ("X-Orig-Filename", "first.txt"))))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using (var second = await upload.PostAsync("/upload", Content(bytes, ("X-Orig-Filename", "second.txt"))))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }
        var conditional = Content(bytes);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = conditional };
        request.Headers.IfNoneMatch.ParseAdd("*");
        using (var refused = await upload.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.PreconditionFailed, refused.StatusCode);
        }

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");
        Assert.Equal("first.txt", Assert.Single(fetched.Headers.GetValues("X-Orig-Filename")));
        foreach (var index in await AnsweringAsync(sos, id))
        {
            using var blob = sos.BlobServer(index);
            using var read = await blob.GetAsync($"/blob/{id}");
            Assert.Equal("first.txt", read.Headers.GetValues("X-Orig-Filename").Single());
        }
    }

    [Fact]
    public async Task AServerThatIsNotRunningGetsNothingInItsInboxAndItsCopyGoesToTheNext()
    {
        var cluster = new InProcessSos();
        await cluster.InitializeAsync();
        try
        {
            using var upload = await cluster.StartUploadApiWithVolumesAsync();
            var bytes = TestBytes.Fresh(4096);
            var id = ObjectId.Of(bytes);
            var ranked = cluster.Ranked(id);
            await cluster.StopBlobServerAsync(ranked[0]);
            // Longer than the writers trust an answer of whether a server holds its inbox open.
            await Task.Delay(TimeSpan.FromMilliseconds(250));

            using var response = await upload.PostAsync("/upload", Content(bytes));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(id.ToString(), (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id);
            Assert.DoesNotContain(StoreLayout.InboxSegments(Path.Combine(cluster.BlobRoot(ranked[0]), StoreLayout.InboxFolder)), segment => HoldsRecordOf(segment, id));
            var expected = ranked[1..].Order().ToArray();
            Assert.Equal(expected, await AnsweringAsync(cluster, id));
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    /// <summary>The running blob servers that answer a read of the id: each adopts what its inbox holds before it says it has none.</summary>
    private static async Task<int[]> AnsweringAsync(InProcessSos cluster, ObjectId id)
    {
        var holding = new List<int>();
        for (var i = 0; i < InProcessSos.BlobServerCount; i++)
        {
            try
            {
                using var blob = cluster.BlobServer(i);
                using var response = await blob.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    holding.Add(i);
                }
            }
            catch (HttpRequestException)
            {
                // A server that is not running holds nothing it can serve.
            }
        }
        return [.. holding];
    }

    private static ByteArrayContent Content(byte[] bytes, params (string Name, string Value)[] headers)
    {
        var content = new ByteArrayContent(bytes);
        foreach (var (name, value) in headers)
        {
            content.Headers.TryAddWithoutValidation(name, value);
        }
        return content;
    }

    private static bool HoldsRecordOf(string segment, ObjectId id)
    {
        using var handle = File.OpenHandle(segment, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new SegmentReader(handle).Records().Any(record => record.Header.Id == id);
    }
}
