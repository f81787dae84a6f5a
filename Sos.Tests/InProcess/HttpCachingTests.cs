using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Sos.Core.BlobServers;

namespace Sos.Tests.InProcess;

/// <summary>What content addressing makes exact: ETag, 304, Range, HEAD, Content-Disposition.</summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class HttpCachingTests(InProcessSos sos)
{
    [Fact]
    public async Task AFetchCarriesAStrongETagImmutableCachingLastModifiedAndAcceptRanges()
    {
        var bytes = TestBytes.Fresh(5000);
        var id = await UploadAsync(bytes);

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");

        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Equal($"\"{id}\"", fetched.Headers.ETag?.Tag);
        Assert.False(fetched.Headers.ETag?.IsWeak);
        Assert.Equal("public, max-age=31536000, immutable", string.Join(", ", fetched.Headers.GetValues("Cache-Control")));
        Assert.NotNull(fetched.Content.Headers.LastModified);
        Assert.Equal("bytes", Assert.Single(fetched.Headers.AcceptRanges));
        Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task IfNoneMatchWithTheIdAnswers304WithNoBodyAndNotFoundForAnAbsentObject()
    {
        var id = await UploadAsync(TestBytes.Fresh(3000));
        var absent = TestBytes.HexId(TestBytes.Fresh(32));

        using var cached = await GetAsync($"/fetch/{id}", request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{id}\"")));
        using var otherTag = await GetAsync($"/fetch/{id}", request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{absent}\"")));
        using var gone = await GetAsync($"/fetch/{absent}", request => request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{absent}\"")));

        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
        Assert.Equal($"\"{id}\"", cached.Headers.ETag?.Tag);
        Assert.Empty(await cached.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.OK, otherTag.StatusCode);
        Assert.Equal(3000, (await otherTag.Content.ReadAsByteArrayAsync()).Length);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task ASingleRangeAnswers206WithContentRangeAndOnlyThoseBytes()
    {
        var bytes = TestBytes.Fresh(100_000);
        var id = await UploadAsync(bytes);

        using var middle = await GetAsync($"/fetch/{id}", request => request.Headers.Range = new RangeHeaderValue(1000, 1999));
        using var tail = await GetAsync($"/fetch/{id}", request => request.Headers.Range = new RangeHeaderValue(null, 10));

        Assert.Equal(HttpStatusCode.PartialContent, middle.StatusCode);
        Assert.Equal("bytes 1000-1999/100000", middle.Content.Headers.ContentRange?.ToString());
        Assert.Equal(1000, middle.Content.Headers.ContentLength);
        Assert.Equal(bytes[1000..2000], await middle.Content.ReadAsByteArrayAsync());
        Assert.Equal($"\"{id}\"", middle.Headers.ETag?.Tag);
        Assert.Equal(HttpStatusCode.PartialContent, tail.StatusCode);
        Assert.Equal(bytes[^10..], await tail.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task ARangePastTheEndAnswers416AndAnIfRangeForOtherBytesAnswersTheWholeObject()
    {
        var bytes = TestBytes.Fresh(500);
        var id = await UploadAsync(bytes);

        using var pastEnd = await GetAsync($"/fetch/{id}", request => request.Headers.Range = new RangeHeaderValue(500, 600));
        using var stale = await GetAsync($"/fetch/{id}", request =>
        {
            request.Headers.Range = new RangeHeaderValue(0, 9);
            request.Headers.IfRange = new RangeConditionHeaderValue(new EntityTagHeaderValue("\"something-else\""));
        });

        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, pastEnd.StatusCode);
        Assert.Equal("bytes */500", pastEnd.Content.Headers.ContentRange?.ToString());
        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.Equal(bytes, await stale.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task HeadAnswersTheSameHeadersAsGetWithoutABody()
    {
        var bytes = TestBytes.Fresh(70_000);
        var id = await UploadAsync(bytes, ("X-Orig-Filename", "report.pdf"), ("X-MIME-Type", "application/pdf"));

        using var get = await sos.Download.GetAsync($"/fetch/{id}");
        using var head = await sos.Download.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/fetch/{id}"));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        foreach (var name in (string[])["ETag", "Cache-Control", "Accept-Ranges", "X-Orig-Filename"])
        {
            Assert.Equal(get.Headers.GetValues(name), head.Headers.GetValues(name));
        }
        foreach (var name in (string[])["Content-Length", "Content-Type", "Content-Disposition", "Last-Modified"])
        {
            Assert.Equal(get.Content.Headers.GetValues(name), head.Content.Headers.GetValues(name));
        }
        Assert.Equal(70_000, head.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("holiday.jpg", "holiday.jpg")]
    [InlineData("C:\\Users\\me\\my \"best\"; shot.jpg", "my \"best\"; shot.jpg")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("100%25 sure.txt", "100%25 sure.txt")]
    public async Task ContentDispositionCarriesTheUploadedFileNameSafelyEncoded(string uploaded, string expected)
    {
        var id = await UploadAsync(TestBytes.Fresh(64), ("X-Orig-Filename", uploaded));

        using var fetched = await sos.Download.GetAsync($"/fetch/{id}");

        var disposition = fetched.Content.Headers.ContentDisposition;
        Assert.NotNull(disposition);
        Assert.Equal("inline", disposition.DispositionType);
        // filename* (RFC 8187) carries the exact name; the quoted filename is its escaped ASCII form.
        Assert.Equal(expected, disposition.FileNameStar);
        Assert.Equal(expected, ContentDispositionHeaderValue.Parse(fetched.Content.Headers.GetValues("Content-Disposition").Single()).FileNameStar);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, Action<HttpRequestMessage> configure)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure(request);
        return await sos.Download.SendAsync(request);
    }

    private async Task<string> UploadAsync(byte[] bytes, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await sos.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }
}
