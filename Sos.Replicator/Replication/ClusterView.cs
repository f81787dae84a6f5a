using Microsoft.Extensions.Logging;
using Sos.Core.Placement;
using Sos.Replicator.Cluster;

namespace Sos.Replicator.Replication;

/// <summary>
/// The blob servers as a pass counts them: one entry per physical server. Two configured names
/// that reach one server (same address, or same identity) would make its copy count twice and
/// its two names place objects differently, so the later name is dropped and the pass reports a
/// configuration error.
/// </summary>
/// <param name="Servers">The distinct servers, in configured order.</param>
/// <param name="Identities">Each distinct server's identity, where it gave one.</param>
/// <param name="ConfigurationErrors">One line per name dropped as a second name of a server.</param>
/// <param name="Unidentified">Servers that gave no identity (down, or an original sos blob server).</param>
internal sealed record ClusterView(
    IReadOnlyList<BlobServer> Servers,
    IReadOnlyDictionary<BlobServer, string> Identities,
    IReadOnlyList<string> ConfigurationErrors,
    IReadOnlyList<BlobServer> Unidentified)
{
    /// <summary>
    /// Copies may be removed only when every server is known to be itself and no other: a server
    /// reached under two names could otherwise lose its one copy "from a handoff server".
    /// </summary>
    public bool CanRebalance => ConfigurationErrors.Count == 0 && Unidentified.Count == 0;

    /// <summary>Asks every configured server for its identity and folds names that reach one server.</summary>
    public static async Task<ClusterView> ReadAsync(
        IBlobServerAdapter adapter, IReadOnlyList<BlobServer> configured, ILogger logger, CancellationToken cancellationToken)
    {
        var identities = await Task.WhenAll(configured.Select(async server =>
        {
            try
            {
                var identity = await adapter.ReadIdentityAsync(server, cancellationToken);
                if (identity is null)
                {
                    ReplicationLog.IdentityUnknown(logger, server, "it has none");
                }
                return identity;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                ReplicationLog.IdentityUnknown(logger, server, ReplicationLog.Describe(ex));
                return null;
            }
        }));

        var servers = new List<BlobServer>();
        var known = new Dictionary<BlobServer, string>();
        var byIdentity = new Dictionary<string, BlobServer>(StringComparer.Ordinal);
        var byAddress = new Dictionary<Uri, BlobServer>();
        var errors = new List<string>();
        var unidentified = new List<BlobServer>();
        for (var i = 0; i < configured.Count; i++)
        {
            var server = configured[i];
            var identity = identities[i];
            if (byAddress.TryGetValue(server.BaseAddress, out var sameAddress)
                || (identity is not null && byIdentity.TryGetValue(identity, out sameAddress)))
            {
                ReplicationLog.DuplicateIdentity(logger, server, sameAddress, identity ?? server.BaseAddress.ToString());
                errors.Add($"{server} and {sameAddress} are one blob server ({(identity is null ? "same address" : "identity " + identity)}); it was counted once, as {sameAddress}.");
                continue;
            }
            servers.Add(server);
            byAddress[server.BaseAddress] = server;
            if (identity is null)
            {
                unidentified.Add(server);
            }
            else
            {
                byIdentity[identity] = server;
                known[server] = identity;
            }
        }
        return new ClusterView(servers, known, errors, unidentified);
    }
}
