using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Replicator.Replication;

namespace Sos.Replicator.Cluster;

/// <summary>
/// The replicator's questions to blob servers over their wire API. The calls the other services
/// make too go through <see cref="BlobServerClient"/>; identity, verify and leases, which only the
/// replicator makes, are written here against the same HTTP client (its token and resilience
/// pipeline included), so that nothing else in the replicator builds a request.
/// </summary>
internal sealed class BlobServerAdapter(BlobServerClient client, HttpClient http, ILogger<BlobServerAdapter> logger) : IBlobServerAdapter
{
    public async Task<string?> ReadIdentityAsync(BlobServer server, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(server.BaseAddress, "identity"), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null; // an original sos blob server: it has no identity to give
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        var identity = await response.Content.ReadFromJsonAsync<IdentityReply>(cancellationToken);
        return identity?.Id is { Length: 32 } id && id.All(char.IsAsciiHexDigitLower)
            ? id
            : throw new BlobServerException(server, response.StatusCode, "the identity is not 32 lowercase hex digits");
    }

    public Task<IReadOnlyList<ObjectId>> ListPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken) =>
        client.ListPageAsync(server, after, limit, cancellationToken);

    public async Task<CopyMade> CopyAsync(ObjectId id, IReadOnlyList<BlobServer> sources, BlobServer target, CancellationToken cancellationToken)
    {
        // A response body can be read once, so every copy reads the object anew from a holder.
        using var source = await OpenSourceAsync(id, sources, cancellationToken);
        var length = source.Length
            ?? throw new InvalidOperationException($"{source.Server} sent {id} without a Content-Length.");
        await using var content = await source.ReadAsync(cancellationToken);
        // The target hashes what it receives and refuses bytes that do not match the id, so a
        // copy read from a damaged holder cannot spread.
        await client.StoreAsync(target, id, content, length, source.Metadata, cancellationToken);
        return new CopyMade(source.Server, length);
    }

    public async Task<CopyCheck> VerifyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsync(new Uri(server.BaseAddress, $"blob/{id}/verify"), content: null, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return CopyCheck.Missing;
            case HttpStatusCode.Conflict:
                return CopyCheck.Bad;
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        var verified = await response.Content.ReadFromJsonAsync<StoredObject>(cancellationToken);
        // Anything but a clear "this id, this size, OK" is not evidence that the copy is good.
        return verified is { Status: "OK", Size: >= 0 } && verified.Id == id.ToString()
            ? CopyCheck.Good(verified.Size)
            : throw new BlobServerException(server, response.StatusCode, $"unexpected reply to verifying {id}");
    }

    public Task<bool> RemoveAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken) =>
        client.DeleteAsync(server, id, cancellationToken);

    public async Task<bool> HoldLeaseAsync(BlobServer server, string name, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var request = new LeaseRequest(holder, (int)Math.Ceiling(duration.TotalSeconds));
        using var response = await http.PutAsJsonAsync(LeaseUri(server, name), request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        return true;
    }

    public async Task ReleaseLeaseAsync(BlobServer server, string name, string holder, CancellationToken cancellationToken)
    {
        var uri = new Uri(LeaseUri(server, name) + "?holder=" + Uri.EscapeDataString(holder));
        using var response = await http.DeleteAsync(uri, cancellationToken);
        // 409: another holder has it, so it expired and was taken meanwhile; nothing of ours to give back.
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.Conflict))
        {
            await EnsureSuccessAsync(server, response, cancellationToken);
        }
    }

    /// <summary>Opens the object on its first readable holder, in the order given (rendezvous order).</summary>
    private async Task<BlobResponse> OpenSourceAsync(ObjectId id, IReadOnlyList<BlobServer> sources, CancellationToken cancellationToken)
    {
        foreach (var holder in sources)
        {
            try
            {
                var blob = await client.OpenAsync(holder, id, headersOnly: false, cancellationToken);
                if (blob is not null)
                {
                    return blob;
                }
                // Listed earlier in this pass, gone now: quarantined by a scrub, or removed.
                ReplicationLog.SourceMissing(logger, id, holder);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A failure here is rare: describing it costs nothing worth guarding.
                var reason = ReplicationLog.Describe(ex);
                ReplicationLog.SourceFailed(logger, id, holder, reason);
            }
        }
        throw new InvalidOperationException($"No holder of {id} could be read ({string.Join(", ", sources)}).");
    }

    private static Uri LeaseUri(BlobServer server, string name) => new(server.BaseAddress, "leases/" + Uri.EscapeDataString(name));

    private static async Task EnsureSuccessAsync(BlobServer server, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new BlobServerException(server, response.StatusCode, detail.Length > 500 ? detail[..500] : detail);
        }
    }

    private sealed record IdentityReply([property: JsonPropertyName("id")] string? Id);

    private sealed record LeaseRequest([property: JsonPropertyName("holder")] string Holder, [property: JsonPropertyName("seconds")] int Seconds);
}
