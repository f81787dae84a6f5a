using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Sos.Core.Objects;
using Sos.Replicator.Cluster;

namespace Sos.Tests.Unit;

// Inside the namespace: Sos.BlobServer, the project, would otherwise win the name.
using BlobServer = Sos.Core.Placement.BlobServer;

/// <summary>
/// The replicator's blob-server calls (identity, verify, leases) through the adapter and the
/// cluster layer to the wire, against a stub server.
/// </summary>
public sealed class BlobServerAdapterTests
{
    private static readonly BlobServer Server = BlobServer.Parse("blob0=http://blob0:8080");
    private static readonly ObjectId Id = ObjectId.Parse("0123456789abcdef0123456789abcdef01234567");

    [Fact]
    public async Task TheIdentityIsReadAndAServerWithoutOneAnswersNull()
    {
        var stub = new Stub(_ => (HttpStatusCode.OK, """{"id":"00112233445566778899aabbccddeeff"}"""));
        Assert.Equal("00112233445566778899aabbccddeeff", await stub.Adapter.ReadIdentityAsync(Server, CancellationToken.None));
        Assert.Equal("http://blob0:8080/identity", stub.Requests.Single().Uri);

        var original = new Stub(_ => (HttpStatusCode.NotFound, "404 page not found"));
        Assert.Null(await original.Adapter.ReadIdentityAsync(Server, CancellationToken.None));

        var odd = new Stub(_ => (HttpStatusCode.OK, """{"id":"NOT-HEX"}"""));
        await Assert.ThrowsAsync<ServerUnavailableException>(() => odd.Adapter.ReadIdentityAsync(Server, CancellationToken.None));

        var failing = new Stub(_ => (HttpStatusCode.InternalServerError, "disk gone"));
        await Assert.ThrowsAsync<ServerUnavailableException>(() => failing.Adapter.ReadIdentityAsync(Server, CancellationToken.None));
    }

    [Theory]
    [InlineData(HttpStatusCode.OK, """{"id":"0123456789abcdef0123456789abcdef01234567","size":42,"status":"OK"}""", "Good", 42)]
    [InlineData(HttpStatusCode.NotFound, "", "Missing", 0)]
    [InlineData(HttpStatusCode.Conflict, """{"title":"The copy failed verification"}""", "Bad", 0)]
    public async Task VerifyMapsTheServersAnswerToAVerdict(HttpStatusCode status, string body, string verdict, long size)
    {
        var stub = new Stub(_ => (status, body));

        var check = await stub.Adapter.VerifyAsync(Server, Id, CancellationToken.None);

        Assert.Equal(new CopyCheck(Enum.Parse<CopyVerdict>(verdict), size), check);
        Assert.Equal(("POST", $"http://blob0:8080/blob/{Id}/verify"), (stub.Requests.Single().Method, stub.Requests.Single().Uri));
    }

    [Fact]
    public async Task AVerifyAnswerForAnotherIdIsNotEvidence()
    {
        var stub = new Stub(_ => (HttpStatusCode.OK, """{"id":"ffffffffffffffffffffffffffffffffffffffff","size":42,"status":"OK"}"""));

        await Assert.ThrowsAsync<ServerUnavailableException>(() => stub.Adapter.VerifyAsync(Server, Id, CancellationToken.None));
    }

    [Fact]
    public async Task ALeaseIsTakenWithItsHolderAndSecondsAndGivenBackByHolder()
    {
        var stub = new Stub(request => (request.Method == "PUT" && request.Body.Contains("other", StringComparison.Ordinal) ? HttpStatusCode.Conflict
            : request.Method == "PUT" ? HttpStatusCode.OK : HttpStatusCode.NoContent, ""));

        Assert.True(await stub.Adapter.HoldLeaseAsync(Server, "rebalance", "host/1/abc", TimeSpan.FromSeconds(59.5), CancellationToken.None));
        Assert.False(await stub.Adapter.HoldLeaseAsync(Server, "rebalance", "other", TimeSpan.FromSeconds(60), CancellationToken.None));
        await stub.Adapter.ReleaseLeaseAsync(Server, "rebalance", "host/1/abc", CancellationToken.None);

        Assert.Equal(("PUT", "http://blob0:8080/leases/rebalance", """{"holder":"host/1/abc","seconds":60}"""), stub.Requests[0]);
        Assert.Equal(("DELETE", "http://blob0:8080/leases/rebalance?holder=host%2F1%2Fabc", ""), stub.Requests[2]);
    }

    private sealed class Stub : HttpMessageHandler
    {
        private readonly Func<(string Method, string Uri, string Body), (HttpStatusCode, string)> _answer;

        public Stub(Func<(string Method, string Uri, string Body), (HttpStatusCode, string)> answer)
        {
            _answer = answer;
            Adapter = new BlobServerAdapter(StubCluster.Client(this, [Server]), NullLogger<BlobServerAdapter>.Instance);
        }

        public BlobServerAdapter Adapter { get; }

        public List<(string Method, string Uri, string Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            var seen = (request.Method.Method, request.RequestUri!.AbsoluteUri, body);
            Requests.Add(seen);
            var (status, answer) = _answer(seen);
            return new HttpResponseMessage(status) { Content = new StringContent(answer, Encoding.UTF8, "application/json") };
        }
    }
}
