using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Sos.Core.BlobServers;

namespace Sos.Tests.EndToEnd;

/// <summary>
/// The download API's cache of small objects: it changes no answer, only where the answer comes
/// from. The shared app has the cache on (the default); each test starts the other app it needs.
/// </summary>
[Collection(SosAppDefinition.Name)]
public sealed class DownloadCacheTests(SosAppFixture sos)
{
    // Whole seconds, as HTTP dates carry them, so that copies in two apps can share it.
    private static readonly DateTimeOffset CopiesWritten = new(2021, 3, 4, 5, 6, 7, TimeSpan.Zero);

    [Fact]
    public async Task WithTheCacheOffGetHeadAnd304AnswerExactlyAsWithItOnAtFirstAndWhenRepeated()
    {
        var uncached = SosAppFixture.CreateOwn(configure: app =>
            app.CreateResourceBuilder<ProjectResource>("download").WithEnvironment("Download__Cache__MaxBytes", "0"));
        await uncached.InitializeAsync();
        try
        {
            // The same objects in both apps: one typed by its metadata, one by the extension asked for.
            var typed = SosAppFixture.RandomBytes(5000);
            var byExtension = SosAppFixture.RandomBytes(3000);
            (byte[] Bytes, (string, string)[] Metadata, string Extension)[] objects =
            [
                (typed, [("X-Mime-Type", "application/pdf"), ("X-Orig-Filename", "C:\\reports\\my \"best\".pdf"), ("X-Colour", "blue")], ""),
                (byExtension, [("X-Orig-Filename", "holiday.png")], ".png"),
            ];
            foreach (var app in (SosAppFixture[])[sos, uncached])
            {
                foreach (var (bytes, metadata, _) in objects)
                {
                    await UploadAsync(app, bytes, metadata);
                    // Last-Modified is the copy's write time: the same in both apps, so it can be compared.
                    var id = SosAppFixture.Sha1Hex(bytes);
                    Assert.All(app.ServersHolding(id), server => File.SetLastWriteTimeUtc(app.CopyPath(server, id), CopiesWritten.UtcDateTime));
                }
            }

            foreach (var (bytes, _, extension) in objects)
            {
                var id = SosAppFixture.Sha1Hex(bytes);
                var path = $"/fetch/{id}{extension}";
                // HEAD and 304 first, so that the first round asks the blob servers for each; the GET fills the cache.
                (HttpMethod Method, Action<HttpRequestHeaders>? Condition)[] round =
                [
                    (HttpMethod.Head, null),
                    (HttpMethod.Get, request => request.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{id}\""))),
                    (HttpMethod.Get, request => request.IfModifiedSince = DateTimeOffset.UtcNow),
                    (HttpMethod.Get, null),
                ];
                foreach (var repeat in (string[])["first", "repeated"])
                {
                    foreach (var (method, condition) in round)
                    {
                        var on = await AnswerAsync(sos.Download, method, path, condition);
                        var off = await AnswerAsync(uncached.Download, method, path, condition);

                        Assert.Equal(off, on);
                        var expected = (method, condition) switch
                        {
                            (_, not null) => (HttpStatusCode.NotModified, 0),
                            ({ Method: "HEAD" }, _) => (HttpStatusCode.OK, 0),
                            _ => (HttpStatusCode.OK, bytes.Length),
                        };
                        Assert.True(expected == (on.Status, on.Body.Length), $"{repeat} {method} {path}: {on}");
                        Assert.Contains($"Last-Modified: {CopiesWritten:r}", on.Headers, StringComparison.Ordinal);
                        Assert.Contains($"ETag: \"{id}\"", on.Headers, StringComparison.Ordinal);
                        if (condition is null)
                        {
                            Assert.Contains($"Content-Length: {bytes.Length}", on.Headers, StringComparison.Ordinal);
                        }
                    }
                }
                Assert.Equal(bytes, (await AnswerAsync(sos.Download, HttpMethod.Get, path, condition: null)).Body);
            }
        }
        finally
        {
            await uncached.DisposeAsync();
        }
    }

    [Fact]
    public async Task ASmallObjectFetchedOnceIsStillServedWithEveryBlobServerStoppedButRangesAndUncachedObjectsAreNot()
    {
        var cached = SosAppFixture.CreateOwn();
        await cached.InitializeAsync();
        try
        {
            var small = SosAppFixture.RandomBytes(4096);
            var neverFetched = SosAppFixture.RandomBytes(4096);
            var tooLarge = SosAppFixture.RandomBytes(64 * 1024 + 1);
            var smallId = await UploadAsync(cached, small, ("X-Orig-Filename", "note.txt"));
            var neverFetchedId = await UploadAsync(cached, neverFetched);
            var tooLargeId = await UploadAsync(cached, tooLarge);
            var first = await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{smallId}", condition: null);
            Assert.Equal(small, first.Body);
            Assert.Equal(tooLarge, (await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{tooLargeId}", condition: null)).Body);

            for (var i = 0; i < SosAppFixture.BlobServerCount; i++)
            {
                await cached.StopBlobServerAsync(i);
            }

            // Nothing answers from the blob servers any more: an object not in the cache is unavailable.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{neverFetchedId}", condition: null)).Status);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{tooLargeId}", condition: null)).Status);
            Assert.Equal(HttpStatusCode.ServiceUnavailable,
                (await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{smallId}", request => request.Range = new RangeHeaderValue(0, 9))).Status);
            // The small object fetched before is answered whole, from memory, exactly as the first time.
            Assert.Equal(first, await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{smallId}", condition: null));
            var head = await AnswerAsync(cached.Download, HttpMethod.Head, $"/fetch/{smallId}", condition: null);
            Assert.Equal(HttpStatusCode.OK, head.Status);
            Assert.Contains("Content-Length: 4096", head.Headers, StringComparison.Ordinal);
            var notModified = await AnswerAsync(cached.Download, HttpMethod.Get, $"/fetch/{smallId}",
                request => request.IfNoneMatch.Add(new EntityTagHeaderValue($"\"{smallId}\"")));
            Assert.Equal(HttpStatusCode.NotModified, notModified.Status);
        }
        finally
        {
            await cached.DisposeAsync();
        }
    }

    /// <summary>A response as a client sees it: status, every header but Date, and the body.</summary>
    private sealed record Answer(HttpStatusCode Status, string Headers, byte[] Body)
    {
        public bool Equals(Answer? other) =>
            other is not null && Status == other.Status && Headers == other.Headers && Body.AsSpan().SequenceEqual(other.Body);

        public override int GetHashCode() => HashCode.Combine(Status, Headers, Body.Length);

        public override string ToString() => $"{(int)Status}\n{Headers}\n({Body.Length} bytes)";
    }

    private static async Task<Answer> AnswerAsync(HttpClient download, HttpMethod method, string path, Action<HttpRequestHeaders>? condition)
    {
        using var request = new HttpRequestMessage(method, path);
        condition?.Invoke(request.Headers);
        using var response = await download.SendAsync(request);
        var headers = response.Headers.Concat(response.Content.Headers)
            .Where(header => header.Key != "Date")
            .Select(header => $"{header.Key}: {string.Join(", ", header.Value)}")
            .Order(StringComparer.Ordinal);
        return new Answer(response.StatusCode, string.Join("\n", headers), await response.Content.ReadAsByteArrayAsync());
    }

    private static async Task<string> UploadAsync(SosAppFixture app, byte[] bytes, params (string Name, string Value)[] metadata)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(bytes) };
        foreach (var (name, value) in metadata)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await app.Upload.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<StoredObject>())!.Id;
    }
}
