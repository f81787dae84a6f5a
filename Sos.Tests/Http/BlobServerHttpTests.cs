using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Sos.BlobServer.Storage;
using Sos.Core.Storage;

namespace Sos.Tests.Http;

/// <summary>A blob server in process (the factory finds its entry point through <see cref="BlobStore"/>'s assembly): its HTTP rules (scoped tokens, identity, verify, trash, leases, metadata) without the whole cluster.</summary>
public sealed class BlobServerHttpTests : IDisposable
{
    private const string InternalToken = "read-write-token";
    private const string ReplicatorToken = "replicator-token";

    private readonly string _root = Directory.CreateTempSubdirectory("sos-http-").FullName;
    private readonly List<IDisposable> _servers = [];

    public void Dispose()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task DeleteNeedsTheReplicatorTokenAndMovesTheCopyToTheTrash()
    {
        var server = Start(withTokens: true);
        var (id, bytes) = await StoreAsync(Client(server, InternalToken));

        using var anonymous = await Client(server, token: null).DeleteAsync($"/blob/{id}");
        using var readWrite = await Client(server, InternalToken).DeleteAsync($"/blob/{id}");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readWrite.StatusCode);
        Assert.Equal(bytes, await Client(server, InternalToken).GetByteArrayAsync($"/blob/{id}"));

        using var replicator = await Client(server, ReplicatorToken).DeleteAsync($"/blob/{id}");
        using var again = await Client(server, ReplicatorToken).DeleteAsync($"/blob/{id}");

        Assert.Equal(HttpStatusCode.NoContent, replicator.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client(server, InternalToken).GetAsync($"/blob/{id}")).StatusCode);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Assert.Single(Directory.GetFiles(Path.Combine(_root, ".trash")), path => !path.EndsWith(".meta", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task AWriteThatNamesADeleteRecordsItFirstSoThatACopyFromBeforeItLendsItNoMetadata()
    {
        var server = Start(withTokens: true);
        var bytes = TestBytes.Random(5000, seed: 11);
        var id = TestBytes.IdOf(bytes).ToString();
        var now = DateTimeOffset.UtcNow.UtcTicks;
        var (before, delete, after) = (now - 30_000_000, now - 20_000_000, now - 10_000_000);
        // A server that missed the delete, holding the copy from before it.
        using (var old = await Client(server, InternalToken).SendAsync(Write(id, bytes, before, deleted: null, "image/png")))
        {
            Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        }

        // The replicator's copy of the object uploaded again after the delete names the delete;
        // recording a delete takes more than the read/write token.
        using var readWrite = await Client(server, InternalToken).SendAsync(Write(id, bytes, after, delete, "text/plain"));
        using var replicator = await Client(server, ReplicatorToken).SendAsync(Write(id, bytes, after, delete, "text/plain"));
        using var read = await Client(server, InternalToken).GetAsync($"/blob/{id}");

        Assert.Equal(HttpStatusCode.Forbidden, readWrite.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replicator.StatusCode);
        Assert.Equal("text/plain", Assert.Single(read.Headers.GetValues("X-Mime-Type")));
        Assert.Equal(after.ToString(CultureInfo.InvariantCulture), Assert.Single(read.Headers.GetValues("Sos-Timestamp")));
        // Read back, the copy names the delete before it, for the next server it is copied to.
        Assert.Equal(delete.ToString(CultureInfo.InvariantCulture), Assert.Single(read.Headers.GetValues("Sos-Deleted")));
        Assert.Equal(bytes, await read.Content.ReadAsByteArrayAsync());
        Assert.Single(Directory.GetFiles(Path.Combine(_root, ".trash")), path => File.ReadAllText(path).Contains("image/png", StringComparison.Ordinal));
    }

    private static HttpRequestMessage Write(string id, byte[] bytes, long stamp, long? deleted, string mimeType)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/blob/{id}") { Content = new ByteArrayContent(bytes) };
        request.Headers.Add("Sos-Timestamp", stamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Mime-Type", mimeType);
        if (deleted is { } delete)
        {
            request.Headers.Add("Sos-Deleted", delete.ToString(CultureInfo.InvariantCulture));
        }
        return request;
    }

    [Fact]
    public async Task APresenceQuestionIsAnsweredWithTheHeldCopiesAndTombstonesEachOnce()
    {
        var server = Start(withTokens: true);
        var client = Client(server, InternalToken);
        var (held, bytes) = await StoreAsync(client);
        var (deleted, _) = await StoreAsync(client);
        var missing = TestBytes.IdOf(TestBytes.Random(10, seed: 7)).ToString();
        using (var tombstone = await Client(server, ReplicatorToken).PutAsync($"/tombstone/{deleted}", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, tombstone.StatusCode);
        }
        var deletedAt = (await client.GetFromJsonAsync<Sos.Core.BlobServers.TombstoneRecord>($"/tombstone/{deleted}"))!.Timestamp;

        using var answer = await client.PostAsJsonAsync("/blobs/presence", new[] { missing, held, held, deleted, deleted });
        using var badId = await client.PostAsJsonAsync("/blobs/presence", new[] { held, "not-an-id" });
        using var tooMany = await client.PostAsJsonAsync("/blobs/presence", Enumerable.Repeat(held, 1001));
        using var anonymous = await Client(server, token: null).PostAsJsonAsync("/blobs/presence", new[] { held });

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var presence = (await answer.Content.ReadFromJsonAsync<Sos.Core.BlobServers.PresenceAnswer>())!;
        var copy = Assert.Single(presence.Copies);
        Assert.Equal(held, copy.Id);
        Assert.Equal(bytes.Length, copy.Size);
        var gone = Assert.Single(presence.Tombstones);
        Assert.Equal((deleted, deletedAt), (gone.Id, gone.Timestamp));
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task ABatchOfCopiesIsAnsweredCopyByCopyInOrderAndStoresOnlyTheGoodOnes()
    {
        var server = Start(withTokens: true);
        var client = Client(server, InternalToken);
        var good = TestBytes.Random(4096, seed: 21);
        var other = TestBytes.Random(100, seed: 22);
        var forged = TestBytes.Random(4096, seed: 23);
        var forgedId = TestBytes.IdOf(TestBytes.Random(4096, seed: 24)).ToString();
        var (deleted, deletedBytes) = await StoreAsync(client);
        using (var tombstone = await Client(server, ReplicatorToken).PutAsync($"/tombstone/{deleted}", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, tombstone.StatusCode);
        }

        using var answer = await client.PostAsync("/blobs/batch", Batch(
            (TestBytes.IdOf(good).ToString(), good, [("X-Mime-Type", "image/png")]),
            (forgedId, forged, []),
            (deleted, deletedBytes, [("Sos-Timestamp", "1")]),
            (TestBytes.IdOf(other).ToString(), other, [("X-Orig-Filename", "caf\u00e9.txt")]),
            (TestBytes.IdOf(other).ToString(), other, [])));

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var stored = (await answer.Content.ReadFromJsonAsync<Sos.Core.BlobServers.StoredObject[]>())!;
        Assert.Equal([TestBytes.IdOf(good).ToString(), forgedId, deleted, TestBytes.IdOf(other).ToString(), TestBytes.IdOf(other).ToString()], stored.Select(copy => copy.Id));
        Assert.Equal("OK", stored[0].Status);
        Assert.StartsWith("hash mismatch", stored[1].Status, StringComparison.Ordinal);
        Assert.StartsWith("deleted", stored[2].Status, StringComparison.Ordinal);
        Assert.Equal("invalid metadata", stored[3].Status);
        Assert.Equal("OK", stored[4].Status);
        using var read = await client.GetAsync($"/blob/{TestBytes.IdOf(good)}");
        Assert.Equal(good, await read.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/png", Assert.Single(read.Headers.GetValues("X-Mime-Type")));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/blob/{forgedId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/blob/{deleted}")).StatusCode);
        // The copy with metadata no download could serve back was refused; the one after it, without, was stored bare.
        using var plain = await client.GetAsync($"/blob/{TestBytes.IdOf(other)}");
        Assert.Equal(other, await plain.Content.ReadAsByteArrayAsync());
        Assert.False(plain.Headers.Contains("X-Orig-Filename"));
    }

    [Fact]
    public async Task AMalformedBatchIsRefusedWholeAndStoresNothing()
    {
        var server = Start(withTokens: true);
        var client = Client(server, InternalToken);
        var first = TestBytes.Random(1000, seed: 31);
        var firstId = TestBytes.IdOf(first).ToString();
        var big = TestBytes.Random(64 * 1024 + 1, seed: 32);

        using var noId = await client.PostAsync("/blobs/batch", Batch((firstId, first, []), ("", first, [])));
        using var badStamp = await client.PostAsync("/blobs/batch", Batch((firstId, first, []), (firstId, first, [("Sos-Timestamp", "yesterday")])));
        using var tooLarge = await client.PostAsync("/blobs/batch", Batch((firstId, first, []), (TestBytes.IdOf(big).ToString(), big, [])));
        using var tooMany = await client.PostAsync("/blobs/batch", Batch([.. Enumerable.Repeat((firstId, first, Array.Empty<(string, string)>()), 65)]));
        using var notMultipart = await client.PostAsync("/blobs/batch", new ByteArrayContent(first));
        using var cutShort = await client.PostAsync("/blobs/batch", CutShort(Batch((firstId, first, []))));
        using var anonymous = await Client(server, token: null).PostAsync("/blobs/batch", Batch((firstId, first, [])));

        foreach (var refused in new[] { noId, badStamp, tooLarge, tooMany, notMultipart, cutShort })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/blob/{firstId}")).StatusCode);
    }

    /// <summary>A copy batch as the cluster layer sends it: one part per copy, its id and headers on the part.</summary>
    private static MultipartContent Batch(params (string Id, byte[] Bytes, (string Name, string Value)[] Headers)[] copies)
    {
        var batch = new MultipartContent("mixed");
        foreach (var (id, bytes, headers) in copies)
        {
            var part = new ByteArrayContent(bytes);
            if (id.Length > 0)
            {
                part.Headers.TryAddWithoutValidation("Sos-Id", id);
            }
            foreach (var (name, value) in headers)
            {
                part.Headers.TryAddWithoutValidation(name, value);
            }
            batch.Add(part);
        }
        return batch;
    }

    /// <summary>The batch's bytes without their closing boundary, as a client that broke off would leave them.</summary>
    private static ByteArrayContent CutShort(MultipartContent batch)
    {
        var bytes = batch.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        var cut = new ByteArrayContent(bytes[..^20]);
        cut.Headers.ContentType = batch.Headers.ContentType;
        return cut;
    }

    [Fact]
    public async Task ANotFoundForADeletedIdNamesTheDeleteAndOneForAnIdNeverStoredDoesNot()
    {
        var server = Start(withTokens: true);
        var client = Client(server, InternalToken);
        var (deleted, _) = await StoreAsync(client);
        using (var tombstone = await Client(server, ReplicatorToken).PutAsync($"/tombstone/{deleted}", content: null))
        {
            Assert.Equal(HttpStatusCode.OK, tombstone.StatusCode);
        }
        var deletedAt = (await client.GetFromJsonAsync<Sos.Core.BlobServers.TombstoneRecord>($"/tombstone/{deleted}"))!.Timestamp;
        var never = TestBytes.IdOf(TestBytes.Random(10, seed: 8)).ToString();

        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{deleted}"));
        using var get = await client.GetAsync($"/blob/{deleted}");
        using var unknown = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{never}"));

        foreach (var response in new[] { head, get })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(deletedAt.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(response.Headers.GetValues("Sos-Deleted")));
        }
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.False(unknown.Headers.Contains("Sos-Deleted"));
    }

    [Fact]
    public async Task AServerWithoutTokensTakesReadsAndWritesFromAnyoneButRefusesRemovalsAndLeases()
    {
        var server = Start(withTokens: false);
        var client = Client(server, token: null);
        var (id, bytes) = await StoreAsync(client);

        Assert.Equal(bytes, await client.GetByteArrayAsync($"/blob/{id}"));
        using var delete = await client.DeleteAsync($"/blob/{id}");
        using var lease = await client.PutAsJsonAsync("/leases/rebalance", new { holder = "a", seconds = 60 });

        Assert.Equal(HttpStatusCode.Forbidden, delete.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, lease.StatusCode);
        Assert.Equal(bytes, await client.GetByteArrayAsync($"/blob/{id}"));
    }

    [Fact]
    public async Task HealthAndLivenessStayOpen()
    {
        var client = Client(Start(withTokens: true), token: null);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/alive")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/identity")).StatusCode);
    }

    [Theory]
    [InlineData("/blobs?limit=0")]
    [InlineData("/blobs?limit=100001")]
    [InlineData("/blobs?after=not-an-id")]
    [InlineData("/tombstones?limit=0")]
    [InlineData("/tombstones?after=not-an-id")]
    public async Task AListingPageOutOfBoundsIsRefused(string path)
    {
        var client = Client(Start(withTokens: true), InternalToken);

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task TheIdentityIsStableAcrossRestartsAndNeedsAToken()
    {
        var first = await IdentityOf(Client(Start(withTokens: true), InternalToken));
        var second = await IdentityOf(Client(Start(withTokens: true), InternalToken));

        Assert.Matches("^[0-9a-f]{32}$", first);
        Assert.Equal(first, second);
        Assert.Equal(first, (await File.ReadAllTextAsync(Path.Combine(_root, ".identity"))).Trim());
    }

    [Fact]
    public async Task VerifyAnswersOkForAGoodCopyNotFoundForNoneAndConflictForABadOneWhichItQuarantines()
    {
        var server = Start(withTokens: true);
        var client = Client(server, InternalToken);
        var (id, bytes) = await StoreAsync(client);

        using var good = await client.PostAsync($"/blob/{id}/verify", content: null);
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        var body = await good.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.Equal(bytes.Length, body.GetProperty("size").GetInt64());
        Assert.Equal("OK", body.GetProperty("status").GetString());

        var path = Path.Combine(_root, ShardLayout.RelativePath(id));
        var rotten = (byte[])bytes.Clone();
        rotten[0] ^= 1;
        await File.WriteAllBytesAsync(path, rotten);
        using var bad = await client.PostAsync($"/blob/{id}/verify", content: null);
        using var gone = await client.PostAsync($"/blob/{id}/verify", content: null);

        Assert.Equal(HttpStatusCode.Conflict, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"))).StatusCode);
        Assert.DoesNotContain(id, await client.GetFromJsonAsync<string[]>("/blobs") ?? []);
    }

    [Fact]
    public async Task LeasesGoToOneHolderAtATimeUntilReleasedOrExpired()
    {
        var server = Start(withTokens: true);
        var replicator = Client(server, ReplicatorToken);

        using var first = await replicator.PutAsJsonAsync("/leases/rebalance", new { holder = "a", seconds = 60 });
        using var taken = await replicator.PutAsJsonAsync("/leases/rebalance", new { holder = "b", seconds = 60 });
        using var renewed = await replicator.PutAsJsonAsync("/leases/rebalance", new { holder = "a", seconds = 60 });
        using var releasedByOther = await replicator.DeleteAsync("/leases/rebalance?holder=b");
        using var withInternalToken = await Client(server, InternalToken).PutAsJsonAsync("/leases/rebalance", new { holder = "c", seconds = 60 });
        using var released = await replicator.DeleteAsync("/leases/rebalance?holder=a");
        using var afterRelease = await replicator.PutAsJsonAsync("/leases/rebalance", new { holder = "b", seconds = 1 });
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        using var afterExpiry = await replicator.PutAsJsonAsync("/leases/rebalance", new { holder = "a", seconds = 60 });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("a", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("holder").GetString());
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, releasedByOther.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, withInternalToken.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, released.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterRelease.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterExpiry.StatusCode);
    }

    [Fact]
    public async Task ALeaseOutlivesARestartOfTheServer()
    {
        using (var acquired = await Client(Start(withTokens: true), ReplicatorToken).PutAsJsonAsync("/leases/rebalance", new { holder = "a", seconds = 600 }))
        {
            Assert.Equal(HttpStatusCode.OK, acquired.StatusCode);
        }

        using var taken = await Client(Start(withTokens: true), ReplicatorToken).PutAsJsonAsync("/leases/rebalance", new { holder = "b", seconds = 60 });

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
    }

    [Fact]
    public async Task TheReplicatorsMarkNeedsItsTokenOnlyMovesForwardAndOutlivesARestart()
    {
        var server = Start(withTokens: true);
        var seen = DateTimeOffset.Parse("2026-02-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        using var readWrite = await Client(server, InternalToken).GetAsync("/replicator/seen");
        var unmarked = await Client(server, ReplicatorToken).GetFromJsonAsync<Core.BlobServers.ReplicatorMark>("/replicator/seen");
        using var marked = await Client(server, ReplicatorToken).PutAsJsonAsync("/replicator/seen", new Core.BlobServers.ReplicatorMark(seen));
        using var earlier = await Client(server, ReplicatorToken).PutAsJsonAsync("/replicator/seen", new Core.BlobServers.ReplicatorMark(seen.AddDays(-1)));

        Assert.Equal(HttpStatusCode.Forbidden, readWrite.StatusCode);
        Assert.Null(unmarked!.SeenAt);
        Assert.NotNull(unmarked.CreatedAt);
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        Assert.Equal(seen, (await earlier.Content.ReadFromJsonAsync<Core.BlobServers.ReplicatorMark>())!.SeenAt);
        var restarted = await Client(Start(withTokens: true), ReplicatorToken).GetFromJsonAsync<Core.BlobServers.ReplicatorMark>("/replicator/seen");
        Assert.Equal(seen, restarted!.SeenAt);

        // No body: an operator accepting the server back marks it now.
        using var accepted = await Client(server, ReplicatorToken).PutAsync("/replicator/seen", content: null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.True((await accepted.Content.ReadFromJsonAsync<Core.BlobServers.ReplicatorMark>())!.SeenAt > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Theory]
    [InlineData("caf\u00e9")]
    [InlineData("a\u0001b")]
    [InlineData("line\u007f")]
    public async Task MetadataBeyondVisibleAsciiSpaceAndTabIsRefusedAndNothingStored(string value)
    {
        var client = Client(Start(withTokens: true), InternalToken);
        var bytes = TestBytes.Random(100, seed: 3);
        var id = TestBytes.IdOf(bytes).ToString();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/blob/{id}") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation("X-Note", value);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/blob/{id}")).StatusCode);
    }

    [Fact]
    public async Task MetadataWithSpacesAndTabsIsStored()
    {
        var client = Client(Start(withTokens: true), InternalToken);
        var bytes = TestBytes.Random(100, seed: 4);
        var id = TestBytes.IdOf(bytes).ToString();
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/blob/{id}") { Content = new ByteArrayContent(bytes) };
        request.Headers.TryAddWithoutValidation("X-Note", "a b\tc ~!");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("a b\tc ~!", Assert.Single((await client.GetAsync($"/blob/{id}")).Headers.GetValues("X-Note")));
    }

    [Fact]
    public async Task EveryChunkOfARangeIsCheckedAndARangeOverARottenChunkNeverCompletes()
    {
        var client = Client(Start(withTokens: true), InternalToken);
        var bytes = TestBytes.Random(300_000, seed: 5);
        var id = TestBytes.IdOf(bytes).ToString();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/blob/{id}", new ByteArrayContent(bytes))).StatusCode);
        var path = Path.Combine(_root, ShardLayout.RelativePath(id));
        var rotten = (byte[])bytes.Clone();
        rotten[200_000] ^= 0x01; // in the fourth 64 KiB chunk
        await File.WriteAllBytesAsync(path, rotten);

        // A range in good chunks is served whole.
        using var good = await RangeAsync(client, id, 70_000, 140_000);
        Assert.Equal(HttpStatusCode.PartialContent, good.StatusCode);
        Assert.Equal(bytes[70_000..140_001], await good.Content.ReadAsByteArrayAsync());

        // A range that reaches the rotten chunk never completes as a 206 with its bytes.
        var completed = false;
        try
        {
            using var bad = await RangeAsync(client, id, 190_000, 210_000);
            completed = bad.StatusCode == HttpStatusCode.PartialContent && (await bad.Content.ReadAsByteArrayAsync()).Length == 20_001;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
        }

        Assert.False(completed, "a range over a rotten chunk was served complete");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"))).StatusCode);
        Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".quarantine")), file => File.ReadAllBytes(file).SequenceEqual(rotten));
    }

    [Fact]
    public async Task AWholeReadIsCheckedChunkByChunkAndAWholeReadOverARottenChunkNeverCompletes()
    {
        var client = Client(Start(withTokens: true), InternalToken);
        var bytes = TestBytes.Random(600_000, seed: 6);
        var id = TestBytes.IdOf(bytes).ToString();
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync($"/blob/{id}", new ByteArrayContent(bytes))).StatusCode);

        using (var good = await client.GetAsync($"/blob/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, good.StatusCode);
            Assert.Equal("chunks", Assert.Single(good.Headers.GetValues("Sos-Verified-Stream")));
            Assert.Equal(bytes, await good.Content.ReadAsByteArrayAsync());
        }

        var path = Path.Combine(_root, ShardLayout.RelativePath(id));
        var rotten = (byte[])bytes.Clone();
        rotten[500_000] ^= 0x01; // in the eighth 64 KiB chunk, past the first segments sent
        await File.WriteAllBytesAsync(path, rotten);
        var completed = false;
        try
        {
            using var bad = await client.GetAsync($"/blob/{id}");
            completed = bad.StatusCode == HttpStatusCode.OK && (await bad.Content.ReadAsByteArrayAsync()).Length == bytes.Length;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
        }

        Assert.False(completed, "a whole read over a rotten chunk was served complete");
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/blob/{id}"))).StatusCode);
        Assert.Contains(Directory.GetFiles(Path.Combine(_root, ".quarantine")), file => File.ReadAllBytes(file).SequenceEqual(rotten));
    }

    private static Task<HttpResponseMessage> RangeAsync(HttpClient client, string id, long from, long to)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/blob/{id}");
        request.Headers.Range = new RangeHeaderValue(from, to);
        return client.SendAsync(request);
    }

    private WebApplicationFactory<BlobStore> Start(bool withTokens)
    {
        var factory = new WebApplicationFactory<BlobStore>().WithWebHostBuilder(host =>
        {
            host.UseSetting("BlobStore:Root", _root);
            host.UseSetting("BlobStore:MinFreeBytes", "0");
            host.UseSetting("BlobStore:ScrubBytesPerSecond", "0");
            if (withTokens)
            {
                host.UseSetting("Sos:InternalToken", InternalToken);
                host.UseSetting("Sos:ReplicatorToken", ReplicatorToken);
            }
        });
        _servers.Add(factory);
        return factory;
    }

    private HttpClient Client(WebApplicationFactory<BlobStore> server, string? token)
    {
        HttpClient client;
        // The first client starts the server.
        lock (FactoryStarts.Gate)
        {
            client = server.CreateClient();
        }
        _servers.Add(client);
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    private static async Task<(string Id, byte[] Bytes)> StoreAsync(HttpClient client)
    {
        var bytes = TestBytes.Random(5000, seed: Random.Shared.Next());
        var id = TestBytes.IdOf(bytes).ToString();
        using var response = await client.PutAsync($"/blob/{id}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (id, bytes);
    }

    private static async Task<string> IdentityOf(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/identity")).GetProperty("id").GetString()!;
}
