using System.Net;
using System.Net.Http.Headers;

namespace Sos.Tests.InProcess;

/// <summary>What the cache means to users when every blob server is down: objects in it are still served, nothing else.</summary>
public sealed class CachedObjectsDuringAnOutageTests(InProcessSos sos) : IClassFixture<InProcessSos>
{
    [Fact]
    public async Task ASmallObjectFetchedOnceIsStillServedWithEveryBlobServerStoppedButRangesAndUncachedObjectsAreNot()
    {
        var small = TestBytes.Fresh(4096);
        var neverFetched = TestBytes.Fresh(4096);
        var tooLarge = TestBytes.Fresh(64 * 1024 + 1);
        var smallId = (await sos.UploadAsync(small, ("X-Orig-Filename", "note.txt"))).Id;
        var neverFetchedId = (await sos.UploadAsync(neverFetched)).Id;
        var tooLargeId = (await sos.UploadAsync(tooLarge)).Id;
        var first = await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{smallId}");
        Assert.Equal(small, first.Body);
        Assert.Equal(tooLarge, (await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{tooLargeId}")).Body);

        for (var i = 0; i < InProcessSos.BlobServerCount; i++)
        {
            await sos.StopBlobServerAsync(i);
        }

        // Nothing answers from the blob servers any more: an object not in the cache is unavailable.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{neverFetchedId}")).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{tooLargeId}")).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable,
            (await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{smallId}", request => request.Range = new RangeHeaderValue(0, 9))).Status);
        // The small object fetched before is answered whole, from memory, exactly as the first time.
        Assert.Equal(first, await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{smallId}"));
        var head = await Answer.ReadAsync(sos.Download, HttpMethod.Head, $"/fetch/{smallId}");
        Assert.Equal(HttpStatusCode.OK, head.Status);
        Assert.Contains("Content-Length: 4096", head.Headers, StringComparison.Ordinal);
        var notModified = await Answer.ReadAsync(sos.Download, HttpMethod.Get, $"/fetch/{smallId}",
            request => request.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{smallId}\"")));
        Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
    }
}
