using Microsoft.Extensions.Logging;
using Sos.Core.Placement;
using Sos.Replicator.Cluster;
using Sos.Replicator.Replication;

namespace Sos.Replicator.Freshness;

/// <summary>
/// The freshness step of a pass: reads every server's mark, judges it with
/// <see cref="StaleServerRule"/>, and afterwards marks the servers the pass brought every delete to.
/// A stale server is never marked, so it stays stale until an operator wipes it or, having
/// checked its copies, accepts it (<c>PUT /replicator/seen</c>).
/// </summary>
internal static partial class FreshnessCheck
{
    public static async Task<ServerFreshness> JudgeAsync(
        IBlobServerAdapter adapter, IReadOnlyList<BlobServer> servers, TimeSpan grace, ILogger logger, CancellationToken cancellationToken)
    {
        var answers = await Task.WhenAll(servers.Select(server => ReadAsync(adapter, server, logger, cancellationToken)));
        var readings = new Dictionary<BlobServer, MarkReading>();
        for (var i = 0; i < servers.Count; i++)
        {
            if (answers[i] is { } reading)
            {
                readings[servers[i]] = reading;
            }
        }
        var stale = StaleServerRule.Find(readings, grace);
        if (readings.Values.Any(reading => reading.SeenAt is not null))
        {
            foreach (var (server, _) in readings.Where(pair => !pair.Value.KeepsMarks))
            {
                LogKeepsNoMark(logger, server);
            }
        }
        foreach (var (server, reason) in stale)
        {
            LogStale(logger, server, reason);
        }
        var markable = readings.Where(pair => pair.Value.KeepsMarks && !stale.ContainsKey(pair.Key)).Select(pair => pair.Key).ToList();
        return new ServerFreshness(stale, markable);
    }

    /// <summary>Marks each of <paramref name="servers"/> seen at <paramref name="seenAt"/>; a server that fails is marked by a later pass.</summary>
    public static async Task MarkAsync(IBlobServerAdapter adapter, IEnumerable<BlobServer> servers, DateTimeOffset seenAt, ILogger logger, CancellationToken cancellationToken)
    {
        await Task.WhenAll(servers.Select(async server =>
        {
            try
            {
                await adapter.WriteMarkAsync(server, seenAt, cancellationToken);
                LogMarked(logger, server, seenAt);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogMarkFailed(logger, server, ReplicationLog.Describe(ex));
            }
        }));
    }

    /// <summary>One server's mark, and for one without a mark whether it holds copies; null when it could not be asked.</summary>
    private static async Task<MarkReading?> ReadAsync(IBlobServerAdapter adapter, BlobServer server, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            if (await adapter.ReadMarkAsync(server, cancellationToken) is not { } mark)
            {
                return new MarkReading(KeepsMarks: false, null, null, HoldsCopies: false);
            }
            var holds = mark.SeenAt is null && (await adapter.ListPageAsync(server, after: null, limit: 1, cancellationToken)).Ids.Count > 0;
            return new MarkReading(KeepsMarks: true, mark.SeenAt, mark.CreatedAt, holds);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Most likely down: its listing fails too, and the pass reports that. It is not marked.
            LogUnread(logger, server, ReplicationLog.Describe(ex));
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Server} is stale: it {Reason}. It may hold objects deleted meanwhile whose tombstones are gone: its copies are neither counted nor copied from until it is wiped, or checked and accepted (see Deleting in the README)")]
    private static partial void LogStale(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Server} keeps no replicator mark (an original sos blob server): the pass cannot tell whether it was away longer than the tombstone grace, and counts its copies")]
    private static partial void LogKeepsNoMark(ILogger logger, BlobServer server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the replicator mark of {Server} ({Reason}): it is not marked this pass")]
    private static partial void LogUnread(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Marked {Server} seen at {SeenAt:O}")]
    private static partial void LogMarked(ILogger logger, BlobServer server, DateTimeOffset seenAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not mark {Server} seen ({Reason}): a later pass will")]
    private static partial void LogMarkFailed(ILogger logger, BlobServer server, string reason);
}
