using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Sos.Core.BlobServers;
using Sos.Core.Time;

namespace Sos.Tests.Unit;

// Inside the namespace: Sos.BlobServer, the project, would otherwise win the name.
using BlobServer = Sos.Core.Placement.BlobServer;

/// <summary>
/// A write of an object deleted before: every server that answered without the delete is brought
/// it before any copy is written, since it may hold a copy from before the delete that its answer
/// did not show (first write wins would keep that copy's metadata under the new write's later
/// timestamp, which the delete, arriving next, no longer outdates). A server that cannot take the
/// delete, or did not answer, is left out of the write.
/// </summary>
public sealed class WriteAfterDeleteTests
{
    private static readonly HybridTimestamp Deleted = new(638_000_000_000_000_000);

    [Fact]
    public async Task TheDeleteGoesFirstToTheServersThatDidNotNameItAndTheOthersAreLeftOut()
    {
        var servers = new Dictionary<string, Behaviour>
        {
            ["recorded"] = Behaviour.RecordedTheDelete,
            ["unaware"] = Behaviour.Unaware,
            ["refusing"] = Behaviour.UnawareAndRefusesTheDelete,
            ["silent"] = Behaviour.Silent,
        };
        var stub = new Stub(servers);
        var cluster = StubCluster.Client(stub, servers.Keys.Select(name => BlobServer.Parse($"{name}=http://{name}/")));
        var bytes = TestBytes.Fresh(100);
        var id = TestBytes.IdOf(bytes);

        var count = await cluster.CountCopiesAsync(id, CancellationToken.None);
        var leftOut = await cluster.BringDeleteAsync(id, count, CancellationToken.None);
        var copies = await cluster.WriteCopiesAsync(id, bytes.Length, () => new MemoryStream(bytes), new Dictionary<string, string>(),
            2, [.. count.Holders, .. leftOut], TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(Deleted, count.Deleted);
        Assert.Equal(["refusing", "unaware"], count.Unaware.Select(server => server.Name).Order());
        Assert.Equal(["silent"], count.Silent.Select(server => server.Name));
        Assert.Equal(["refusing", "silent"], leftOut.Select(server => server.Name).Order());
        Assert.Equal(["recorded", "unaware"], copies.Written.Select(server => server.Name).Order());
        Assert.Equal(["PUT tombstone", "POST blob"], stub.Writes("unaware"));
        Assert.Equal(["PUT tombstone"], stub.Writes("refusing"));
        Assert.Equal(["POST blob"], stub.Writes("recorded"));
        Assert.Empty(stub.Writes("silent"));
        Assert.All(stub.TombstoneStamps, stamp => Assert.Equal(Deleted.ToString(), stamp));
    }

    [Fact]
    public async Task WithNoDeleteRecordedNothingIsBroughtAndNobodyIsLeftOut()
    {
        var servers = new Dictionary<string, Behaviour> { ["a"] = Behaviour.Unaware, ["b"] = Behaviour.Unaware };
        var stub = new Stub(servers);
        var cluster = StubCluster.Client(stub, servers.Keys.Select(name => BlobServer.Parse($"{name}=http://{name}/")));
        var id = TestBytes.IdOf(TestBytes.Fresh(100));

        var count = await cluster.CountCopiesAsync(id, CancellationToken.None);

        Assert.Null(count.Deleted);
        Assert.Empty(count.Unaware);
        Assert.Empty(await cluster.BringDeleteAsync(id, count, CancellationToken.None));
        Assert.Empty(stub.Writes("a").Concat(stub.Writes("b")));
    }

    [Fact]
    public async Task ACopyBetweenServersCarriesTheDeleteItsSourceNamed()
    {
        var bytes = TestBytes.Fresh(100);
        var id = TestBytes.IdOf(bytes);
        var written = new HybridTimestamp(Deleted.Ticks + 1);
        var sent = new ConcurrentQueue<HttpRequestMessage>();
        var handler = new Answering(async request =>
        {
            if (request.Method == HttpMethod.Get)
            {
                var copy = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(bytes) };
                copy.Headers.Add(HybridTimestamp.Header, written.ToString());
                copy.Headers.Add(TombstoneRecord.Header, Deleted.ToString());
                copy.Headers.Add("X-Mime-Type", "text/plain");
                return copy;
            }
            await request.Content!.ReadAsByteArrayAsync();
            sent.Enqueue(request);
            return Json($$"""{"id":"{{id}}","size":{{bytes.Length}},"status":"OK"}""");
        });
        var source = BlobServer.Parse("source=http://source/");
        var target = BlobServer.Parse("target=http://target/");
        var cluster = StubCluster.Client(handler, [source, target]);

        var transfer = await cluster.CopyBetweenAsync(source, target, id, CancellationToken.None);

        Assert.True(transfer.Write?.Written);
        var write = Assert.Single(sent);
        Assert.Equal(Deleted.ToString(), write.Headers.GetValues(TombstoneRecord.Header).Single());
        Assert.Equal(written.ToString(), write.Headers.GetValues(HybridTimestamp.Header).Single());
        Assert.Equal("text/plain", write.Headers.GetValues("X-Mime-Type").Single());
    }

    private static HttpResponseMessage Json(string body) =>
        new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private sealed class Answering(Func<HttpRequestMessage, Task<HttpResponseMessage>> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => answer(request);
    }

    private enum Behaviour
    {
        RecordedTheDelete,
        Unaware,
        UnawareAndRefusesTheDelete,
        Silent,
    }

    /// <summary>Blob servers that hold no copy; each answers as its <see cref="Behaviour"/> says, and its writes are recorded in order.</summary>
    private sealed class Stub(IReadOnlyDictionary<string, Behaviour> servers) : HttpMessageHandler
    {
        private readonly ConcurrentQueue<(string Server, string Write)> _writes = new();

        public ConcurrentQueue<string> TombstoneStamps { get; } = new();

        public string[] Writes(string server) => [.. _writes.Where(write => write.Server == server).Select(write => write.Write)];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var server = request.RequestUri!.Host;
            var behaviour = servers[server];
            if (behaviour == Behaviour.Silent)
            {
                throw new HttpRequestException("Connection refused");
            }
            var route = request.RequestUri.Segments[1].TrimEnd('/');
            if (request.Method == HttpMethod.Head)
            {
                var missing = new HttpResponseMessage(HttpStatusCode.NotFound);
                if (behaviour == Behaviour.RecordedTheDelete)
                {
                    missing.Headers.Add(TombstoneRecord.Header, Deleted.ToString());
                }
                return missing;
            }
            _writes.Enqueue((server, $"{request.Method} {route}"));
            if (route == "tombstone")
            {
                TombstoneStamps.Enqueue(request.Headers.GetValues(HybridTimestamp.Header).Single());
                return behaviour == Behaviour.UnawareAndRefusesTheDelete
                    ? new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
                    : Json($$"""{"id":"{{request.RequestUri.Segments[2]}}","timestamp":{{Deleted.Ticks}},"status":"deleted","held":true}""");
            }
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            return Json($$"""{"id":"{{request.RequestUri.Segments[2]}}","size":{{body.Length}},"status":"OK"}""");
        }
    }
}
