using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Xunit.Abstractions;

namespace Sos.Tests.EndToEnd;

using BlobServer = Sos.Core.Placement.BlobServer;

/// <summary>
/// Blob servers stopped and killed under load. Every acknowledged upload must stay fetchable with
/// identical bytes. The tests break the outage app on purpose; each brings back every server it
/// stopped or killed when it ends.
/// </summary>
[Collection(OutageAppDefinition.Name)]
[Trait("Category", "WholeSystem")]
public sealed class FaultToleranceTests(OutageAppFixture app, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly SosAppFixture _sos = app.Sos;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _sos.RestoreBlobServersAsync();

    [Fact]
    public async Task NoAcknowledgedUploadIsLostWhenOneBlobServerStopsAndComesBack()
    {
        var acknowledged = new ConcurrentDictionary<string, byte[]>();
        var attempted = 0;
        async Task UploadManyAsync(int count)
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (_, ct) =>
            {
                var bytes = SosAppFixture.RandomBytes(Random.Shared.Next(1, 20_000));
                Interlocked.Increment(ref attempted);
                using var response = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var stored = await response.Content.ReadFromJsonAsync<StoredObject>(ct);
                    acknowledged[stored!.Id] = bytes;
                }
            });
        }

        // 100 uploads with blob1 stopped part-way through them, 100 more while it is down.
        var blob1Address = _sos.BlobServerUrl(1);
        var during = UploadManyAsync(100);
        await Task.Delay(200);
        await _sos.StopBlobServerAsync(1);
        await during;
        await UploadManyAsync(100);

        var lost = 0;
        foreach (var (id, bytes) in acknowledged)
        {
            using var fetched = await _sos.Download.GetAsync($"/fetch/{id}");
            var body = await fetched.Content.ReadAsByteArrayAsync();
            if (fetched.StatusCode != HttpStatusCode.OK || !bytes.SequenceEqual(body))
            {
                lost++;
            }
        }
        output.WriteLine($"one server down: attempted {attempted}, acknowledged {acknowledged.Count}, lost {lost}");
        Assert.Equal(200, attempted);
        Assert.Equal(200, acknowledged.Count);
        Assert.Equal(0, lost);

        // Back up, one replication pass brings every object to its minimum copies again.
        await _sos.StartBlobServerAsync(1);
        // The APIs learnt blob1's address at their start: it must come back where it was.
        Assert.Equal(blob1Address, _sos.BlobServerUrl(1));
        var (exitCode, report) = await _sos.RunReplicatorAsync();
        Assert.True(exitCode == 0, report);
        foreach (var (id, bytes) in acknowledged)
        {
            var holders = _sos.ServersHolding(id);
            Assert.True(holders.Length >= 2, $"{id} has {holders.Length} copies after the pass");
            Assert.All(holders, server => Assert.Equal(bytes, _sos.CopyOnDisk(server, id)));
        }
    }

    [Fact]
    public async Task WithTwoOfThreeServersDownUploadsAreRefusedAndSurvivingCopiesStillServe()
    {
        var before = new Dictionary<string, byte[]>();
        for (var i = 0; i < 12; i++)
        {
            var bytes = SosAppFixture.RandomBytes(5000 + i);
            using var response = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            before[SosAppFixture.Sha1Hex(bytes)] = bytes;
        }

        await _sos.StopBlobServerAsync(0);
        await _sos.StopBlobServerAsync(1);

        for (var i = 0; i < 5; i++)
        {
            var bytes = SosAppFixture.RandomBytes(3000 + i);
            using var refused = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var problem = await refused.Content.ReadAsStringAsync();
            Assert.Contains("copies it needs", problem);
            Assert.DoesNotContain("blob", problem, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Empty(_sos.StagedFiles());

        var survivors = before.Where(entry => _sos.ServersHolding(entry.Key).Contains(2)).ToList();
        Assert.NotEmpty(survivors);
        foreach (var (id, bytes) in survivors)
        {
            using var fetched = await _sos.Download.GetAsync($"/fetch/{id}");
            Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
            Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        }
        output.WriteLine($"two servers down: 5 uploads attempted, 0 acknowledged, {survivors.Count} of {before.Count} earlier objects still served");
    }

    [Fact]
    public async Task ABlobServerKilledDuringALargeUploadNeverYieldsAnAcknowledgedObjectThatCannotBeFetched()
    {
        var bytes = SosAppFixture.RandomBytes(96 * 1024 * 1024);
        var id = SosAppFixture.Sha1Hex(bytes);
        // Kill the server the object prefers most, just as the body has been sent and its copies start.
        var preferred = Rendezvous.Rank(Enumerable.Range(0, SosAppFixture.BlobServerCount).Select(i => BlobServer.Parse($"http://blob{i}")), ObjectId.Parse(id))[0];
        var victim = int.Parse(preferred.Name["blob".Length..], global::System.Globalization.CultureInfo.InvariantCulture);
        using var body = new CallbackAtEndStream(bytes, () => _sos.KillBlobServer(victim));

        using var response = await _sos.Upload.PostAsync("/upload", new StreamContent(body));

        output.WriteLine($"killed blob{victim} during the upload: answered {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.OK)
        {
            var stored = await response.Content.ReadFromJsonAsync<StoredObject>();
            Assert.Equal(id, stored!.Id);
            Assert.True(_sos.ServersHolding(id).Length >= 2);
            using var fetched = await _sos.Download.GetAsync($"/fetch/{id}");
            Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
            Assert.Equal(bytes, await fetched.Content.ReadAsByteArrayAsync());
        }
        else
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task ADownloadCutOffByADyingBlobServerIsNeverATruncatedSuccess()
    {
        var bytes = SosAppFixture.RandomBytes(96 * 1024 * 1024);
        using var upload = await _sos.Upload.PostAsync("/upload", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        var id = SosAppFixture.Sha1Hex(bytes);
        // The download API reads from the first holder in rendezvous order: that is the one to kill.
        var holders = _sos.ServersHolding(id);
        var serving = Rendezvous.Rank(holders.Select(i => BlobServer.Parse($"http://blob{i}")), ObjectId.Parse(id))[0];

        using var response = await _sos.Download.GetAsync($"/fetch/{id}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[1024 * 1024];
        received.Write(buffer, 0, await body.ReadAtLeastAsync(buffer, buffer.Length));
        _sos.KillBlobServer(int.Parse(serving.Name["blob".Length..], global::System.Globalization.CultureInfo.InvariantCulture));

        // Either the connection breaks (the client knows the body is incomplete) or, had it all
        // been in flight already, every byte arrives intact. Never fewer bytes with a clean end.
        var broken = false;
        try
        {
            await body.CopyToAsync(received);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            broken = true;
        }
        output.WriteLine($"killed {serving.Name} mid-download: {(broken ? "connection aborted" : "body complete")} after {received.Length} of {bytes.Length} bytes");
        if (!broken)
        {
            Assert.Equal(bytes, received.ToArray());
        }
        else
        {
            Assert.True(received.Length < bytes.Length);
        }
    }

    /// <summary>A body that runs a callback once its last byte has been read by the sender.</summary>
    private sealed class CallbackAtEndStream(byte[] bytes, Action atEnd) : MemoryStream(bytes, writable: false)
    {
        private bool _done;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            if (Position == Length && !_done)
            {
                _done = true;
                atEnd();
            }
            return read;
        }
    }
}
