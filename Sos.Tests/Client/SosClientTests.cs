using System.Diagnostics;
using System.Net;
using Sos.Client;

namespace Sos.Tests.Client;

/// <summary>The client against an in-process stand-in for Sos's public APIs.</summary>
public sealed class SosClientTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sos-client-").FullName;
    private FakeSos _sos = null!;
    private HttpClient _http = null!;
    private SosClient _client = null!;

    public async Task InitializeAsync()
    {
        _sos = await FakeSos.StartAsync();
        var options = new SosClientOptions { UploadEndpoint = _sos.Url, DownloadEndpoint = _sos.Url };
        _http = SosClient.CreateHttpClient(options);
        _client = new SosClient(_http, options);
    }

    public async Task DisposeAsync() => await _sos.DisposeAsync();

    public void Dispose()
    {
        _http.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task AFileTheStoreAlreadyHasIsNotSentAgain()
    {
        var bytes = TestBytes.Random(300_000, seed: 1);
        var path = WriteFile("a.bin", bytes);

        var first = await _client.UploadFileAsync(path);
        var second = await _client.UploadFileAsync(path);

        Assert.Equal(TestBytes.IdOf(bytes).ToString(), first.Id);
        Assert.False(first.AlreadyStored);
        Assert.Equal(bytes.Length, first.BytesSent);
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(bytes.Length, second.Size);
        Assert.True(second.AlreadyStored);
        Assert.Equal(0, second.BytesSent);
        Assert.Equal(bytes.Length, _sos.BodyBytesRead);
    }

    [Fact]
    public async Task AStreamUploadReturnsTheIdAndKeepsItsMetadata()
    {
        var bytes = TestBytes.Random(50_000, seed: 2);
        var id = TestBytes.IdOf(bytes).ToString();

        var stored = await _client.UploadAsync(new NonSeekableStream(bytes), new Dictionary<string, string> { ["X-Orig-Filename"] = "cat.jpg", ["X-Mime-Type"] = "image/jpeg" });
        var info = await _client.GetInfoAsync(id);

        Assert.Equal(new SosUploadResult(id, bytes.Length, AlreadyStored: false, BytesSent: bytes.Length), stored);
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal("image/jpeg", info.ContentType);
        Assert.Equal("cat.jpg", info.Metadata["X-Orig-Filename"]);
        Assert.False(info.Metadata.ContainsKey("X-Content-Type-Options"), "a security header of the server is not the object's metadata");
    }

    [Fact]
    public async Task AWholeDownloadComesBackByteIdenticalWithProgress()
    {
        var bytes = TestBytes.Random(1_000_000, seed: 3);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);
        var reported = new List<long>();

        using var destination = new MemoryStream();
        var info = await _client.DownloadAsync(id, destination, new CallbackProgress(reported.Add));

        Assert.Equal(bytes, destination.ToArray());
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal(bytes.Length, reported[^1]);
        Assert.Equal(reported.Order(), reported);
    }

    [Fact]
    public async Task ADownloadWhoseBytesDoNotHashToTheIdFailsAndLeavesNoFile()
    {
        var bytes = TestBytes.Random(200_000, seed: 4);
        var id = TestBytes.IdOf(bytes).ToString();
        var rotten = (byte[])bytes.Clone();
        rotten[100_000] ^= 0xff;
        _sos.Put(id, rotten);
        var path = Path.Combine(_directory, "out.bin");

        var error = await Assert.ThrowsAsync<SosIntegrityException>(() => _client.DownloadFileAsync(id, path));
        using var stream = new MemoryStream();
        await Assert.ThrowsAsync<SosIntegrityException>(() => _client.DownloadAsync(id, stream));

        Assert.Contains(id, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public async Task ARangeDownloadGivesExactlyTheBytesAskedForAndTheWholeSize()
    {
        var bytes = TestBytes.Random(100_000, seed: 5);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);

        using var middle = new MemoryStream();
        var info = await _client.DownloadRangeAsync(id, offset: 1000, length: 5000, middle);
        using var tail = new MemoryStream();
        await _client.DownloadRangeAsync(id, offset: 99_000, length: null, tail);

        Assert.Equal(bytes.AsSpan(1000, 5000).ToArray(), middle.ToArray());
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal(bytes.AsSpan(99_000).ToArray(), tail.ToArray());
        var past = await Assert.ThrowsAsync<SosBadRequestException>(() => _client.DownloadRangeAsync(id, offset: 200_000, length: 10, Stream.Null));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
    }

    [Fact]
    public async Task ARangeFromAServerThatIgnoresRangeIsCutOutOfTheWholeObject()
    {
        var bytes = TestBytes.Random(100_000, seed: 10);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);
        _sos.IgnoreRanges = true;

        using var middle = new MemoryStream();
        var info = await _client.DownloadRangeAsync(id, offset: 70_000, length: 20_000, middle);
        using var tail = new MemoryStream();
        await _client.DownloadRangeAsync(id, offset: 99_990, length: null, tail);

        Assert.Equal(bytes.AsSpan(70_000, 20_000).ToArray(), middle.ToArray());
        Assert.Equal(bytes.Length, info.Size);
        Assert.Equal(bytes.AsSpan(99_990).ToArray(), tail.ToArray());
        var past = await Assert.ThrowsAsync<SosBadRequestException>(() => _client.DownloadRangeAsync(id, offset: 100_000, length: null, Stream.Null));
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, past.StatusCode);
    }

    [Fact]
    public async Task AnUploadDamagedOnTheWayIsRefusedAsADigestMismatchStoresNothingAndIsNotRetried()
    {
        var bytes = TestBytes.Random(100_000, seed: 11);
        var path = WriteFile("a.bin", bytes);
        _sos.CorruptNextUploads(1);

        var error = await Assert.ThrowsAsync<SosBadRequestException>(() => _client.UploadFileAsync(path));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains($"not to {TestBytes.IdOf(bytes)} as announced", error.Message);
        Assert.Equal(1, _sos.UploadAttempts);
        Assert.False(_sos.Holds(TestBytes.IdOf(bytes).ToString()));
    }

    [Fact]
    public async Task ACancelledUploadStopsAndStoresNothing()
    {
        var bytes = TestBytes.Random(8_000_000, seed: 12);
        var path = WriteFile("big.bin", bytes);
        using var cancel = new CancellationTokenSource();

        // Cancelled as soon as the first bytes of the body leave, long before the last.
        var upload = _client.UploadFileAsync(path, progress: new CallbackProgress(_ => cancel.Cancel()), cancellationToken: cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => upload.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(_sos.Holds(TestBytes.IdOf(bytes).ToString()));
        Assert.True(_sos.UploadAttempts <= 1, $"a cancelled upload was sent {_sos.UploadAttempts} times");
    }

    [Fact]
    public async Task ACancelledDownloadStopsAndRemovesItsPartialFile()
    {
        var bytes = TestBytes.Random(4_000_000, seed: 6);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);
        _sos.StallFetchAfter = 1_000_000;
        using var cancel = new CancellationTokenSource();
        var path = Path.Combine(_directory, "out.bin");

        var download = _client.DownloadFileAsync(id, path, new CallbackProgress(_ => cancel.CancelAfter(TimeSpan.FromMilliseconds(200))), cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.GetFileSystemEntries(_directory));
    }

    [Fact]
    public async Task ReadsAndFileUploadsAreRetriedButAStreamedUploadIsNot()
    {
        var bytes = TestBytes.Random(10_000, seed: 7);
        var path = WriteFile("a.bin", bytes);

        _sos.FailNextUploads(1);
        var fromFile = await _client.UploadFileAsync(path);
        Assert.Equal(2, _sos.UploadAttempts);

        _sos.FailNextFetches(1);
        Assert.Equal(bytes.Length, (await _client.GetInfoAsync(fromFile.Id)).Size);
        Assert.Equal(2, _sos.FetchAttempts);

        _sos.FailNextUploads(1);
        var error = await Assert.ThrowsAsync<SosUnavailableException>(() => _client.UploadAsync(new NonSeekableStream(TestBytes.Random(10_000, seed: 8))));
        Assert.Equal(3, _sos.UploadAttempts);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Contains("Not enough blob servers", error.Message);

        // An answer about the request itself is final: a 404 is asked once.
        await Assert.ThrowsAsync<SosNotFoundException>(() => _client.GetInfoAsync(new string('b', 40)));
        Assert.Equal(3, _sos.FetchAttempts);
    }

    [Fact]
    public async Task ADeleteRemovesTheObjectAndDeletingItAgainIsDeletedAgain()
    {
        var bytes = TestBytes.Random(10_000, seed: 13);
        var id = (await _client.UploadAsync(new MemoryStream(bytes))).Id;
        var before = DateTimeOffset.UtcNow;

        var deleted = await _client.DeleteAsync(id);
        var again = await _client.DeleteAsync(id);
        var never = await _client.DeleteAsync(new string('c', 40));

        Assert.Equal(SosDeleteStatus.Deleted, deleted.Status);
        Assert.Equal(id, deleted.Id);
        Assert.Null(deleted.Message);
        Assert.InRange(deleted.DeletedAt!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        await Assert.ThrowsAsync<SosNotFoundException>(() => _client.GetInfoAsync(id));
        Assert.Equal(SosDeleteStatus.Deleted, again.Status);
        Assert.Equal(SosDeleteStatus.NotFound, never.Status);
        Assert.Contains(new string('c', 40), never.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.DeleteAsync("ABC"));
    }

    [Fact]
    public async Task ADeleteIsRetriedWhileTooFewServersRecordItAndThenReportedUnavailable()
    {
        var id = (await _client.UploadAsync(new MemoryStream([4, 5, 6]))).Id;

        _sos.FailNextDeletes(1);
        var retried = await _client.DeleteAsync(id);
        Assert.Equal(SosDeleteStatus.Deleted, retried.Status);
        Assert.Equal(2, _sos.DeleteAttempts);

        _sos.FailNextDeletes(100);
        var unavailable = await _client.DeleteAsync(id);
        Assert.Equal(SosDeleteStatus.Unavailable, unavailable.Status);
        Assert.Equal(2 + 4, _sos.DeleteAttempts);
        Assert.Contains("Try again later", unavailable.Message);

        var options = new SosClientOptions { UploadEndpoint = new Uri("http://127.0.0.1:9"), DownloadEndpoint = new Uri("http://127.0.0.1:9") };
        using var http = SosClient.CreateHttpClient(options);
        var unreachable = await new SosClient(http, options).DeleteAsync(id);
        Assert.Equal(SosDeleteStatus.Unavailable, unreachable.Status);
        Assert.Contains("Could not reach the upload API", unreachable.Message);
    }

    [Fact]
    public async Task FailuresAreTypedInTheUsersTerms()
    {
        var unknown = new string('a', 40);

        await Assert.ThrowsAsync<SosNotFoundException>(() => _client.GetInfoAsync(unknown));
        await Assert.ThrowsAsync<SosNotFoundException>(() => _client.DownloadAsync(unknown, Stream.Null));
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetInfoAsync("ABC"));
        var options = new SosClientOptions { UploadEndpoint = new Uri("http://127.0.0.1:9"), DownloadEndpoint = new Uri("http://127.0.0.1:9") };
        using var http = SosClient.CreateHttpClient(options);
        await Assert.ThrowsAsync<SosUnavailableException>(() => new SosClient(http, options).GetInfoAsync(unknown));
    }

    [Fact]
    public async Task AnUploadPresentsTheApiKeyAndIsRefusedWithoutIt()
    {
        await using var secured = await FakeSos.StartAsync(apiKey: "k3y");
        var withKey = new SosClientOptions { UploadEndpoint = secured.Url, DownloadEndpoint = secured.Url, ApiKey = "k3y" };
        var withoutKey = new SosClientOptions { UploadEndpoint = secured.Url, DownloadEndpoint = secured.Url };
        using var http = SosClient.CreateHttpClient();

        var error = await Assert.ThrowsAsync<SosUnauthorizedException>(() => new SosClient(http, withoutKey).UploadAsync(new MemoryStream([1, 2, 3])));
        var stored = await new SosClient(http, withKey).UploadAsync(new MemoryStream([1, 2, 3]));

        Assert.Contains("API key", error.Message);
        Assert.Equal("Bearer k3y", secured.LastAuthorization);
        Assert.True(secured.Holds(stored.Id));
        await Assert.ThrowsAsync<SosUnauthorizedException>(() => new SosClient(http, withoutKey).DeleteAsync(stored.Id));
        Assert.True(secured.Holds(stored.Id));
        Assert.Equal(SosDeleteStatus.Deleted, (await new SosClient(http, withKey).DeleteAsync(stored.Id)).Status);
        Assert.Equal("Bearer k3y", secured.LastAuthorization);
    }

    [Fact]
    public async Task EachOperationIsASpanWhoseTraceReachesTheServer()
    {
        var bytes = TestBytes.Random(1000, seed: 9);
        var id = TestBytes.IdOf(bytes).ToString();
        _sos.Put(id, bytes);
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SosClient.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await _client.GetInfoAsync(id);
        var statTrace = _sos.LastTraceParent;
        await _client.DeleteAsync(id);

        var stat = Assert.Single(spans, span => span.OperationName == "sos.client.stat");
        Assert.Equal(id, stat.GetTagItem("sos.object.id"));
        Assert.NotNull(statTrace);
        Assert.Equal(stat.TraceId.ToString(), statTrace.Split('-')[1]);
        var delete = Assert.Single(spans, span => span.OperationName == "sos.client.delete");
        Assert.Equal(id, delete.GetTagItem("sos.object.id"));
        Assert.Equal(nameof(SosDeleteStatus.Deleted), delete.GetTagItem("sos.delete.status"));
        Assert.Equal(delete.TraceId.ToString(), _sos.LastTraceParent!.Split('-')[1]);
    }

    private string WriteFile(string name, byte[] bytes)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
