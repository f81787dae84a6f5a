using System.Net;
using System.Net.Http.Headers;

namespace Sos.Tests.InProcess;

/// <summary>
/// The download API's cache of small objects changes no answer, only where the answer comes from:
/// a download API with the cache on and one with it off, over the same blob servers, answer alike.
/// </summary>
[Collection(InProcessSosDefinition.Name)]
public sealed class DownloadCacheTests(InProcessSos sos)
{
    [Fact]
    public async Task WithTheCacheOffGetHeadAnd304AnswerExactlyAsWithItOnAtFirstAndWhenRepeated()
    {
        using var uncached = await sos.StartDownloadApiAsync(cacheMaxBytes: 0);
        // One object typed by its metadata, one by the extension asked for.
        var typed = TestBytes.Fresh(5000);
        var byExtension = TestBytes.Fresh(3000);
        (byte[] Bytes, (string, string)[] Metadata, string Extension)[] objects =
        [
            (typed, [("X-Mime-Type", "application/pdf"), ("X-Orig-Filename", "C:\\reports\\my \"best\".pdf"), ("X-Colour", "blue")], ""),
            (byExtension, [("X-Orig-Filename", "holiday.png")], ".png"),
        ];
        foreach (var (bytes, metadata, _) in objects)
        {
            await sos.UploadAsync(bytes, metadata);
        }

        foreach (var (bytes, _, extension) in objects)
        {
            var id = TestBytes.HexId(bytes);
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
                    var on = await Answer.ReadAsync(sos.Download, method, path, condition);
                    var off = await Answer.ReadAsync(uncached, method, path, condition);

                    Assert.Equal(off, on);
                    var expected = (method, condition) switch
                    {
                        (_, not null) => (HttpStatusCode.NotModified, 0),
                        ({ Method: "HEAD" }, _) => (HttpStatusCode.OK, 0),
                        _ => (HttpStatusCode.OK, bytes.Length),
                    };
                    Assert.True(expected == (on.Status, on.Body.Length), $"{repeat} {method} {path}: {on}");
                    Assert.Contains("Last-Modified: ", on.Headers, StringComparison.Ordinal);
                    Assert.Contains($"ETag: \"{id}\"", on.Headers, StringComparison.Ordinal);
                    if (condition is null)
                    {
                        Assert.Contains($"Content-Length: {bytes.Length}", on.Headers, StringComparison.Ordinal);
                    }
                }
            }
            Assert.Equal(bytes, (await Answer.ReadAsync(sos.Download, HttpMethod.Get, path)).Body);
        }
    }
}
