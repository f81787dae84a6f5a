using Microsoft.Extensions.Logging;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// What a pass says. Attempts that are retried or handed on (a listing page asked again, a source
/// that could not be read while another holder could) are Debug; what finally failed for an
/// object is a Warning; what stops the pass from vouching for the store is an Error.
/// </summary>
internal static partial class ReplicationLog
{
    /// <summary>
    /// An expected failure (a server down, refusing, timing out) in one line, without a stack
    /// trace: the outer message of an HTTP failure says little ("An error occurred while sending
    /// the request"), the inner ones say what happened.
    /// </summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            messages.Add(current.Message.TrimEnd('.'));
        }
        return string.Join(": ", messages.Distinct());
    }

    /// <summary>The pass's closing lines: the summary, then whatever keeps it from vouching for the store.</summary>
    public static void Report(ILogger logger, ReplicationReport report)
    {
        if (report.DryRun)
        {
            DryRunSummary(logger, report.Duration.TotalSeconds, report.Objects, report.Servers, report.UnderReplicatedBefore,
                report.MinCopies, report.Misplaced, report.Copies, report.Removed, report.Failures);
        }
        else
        {
            PassSummary(logger, report.Duration.TotalSeconds, report.Objects, report.Servers, report.UnderReplicatedBefore,
                report.MinCopies, report.Misplaced, report.Copies, report.Bytes, report.Removed, report.Failures, report.UnderReplicatedAfter);
        }
        if (report.Verify)
        {
            VerifySummary(logger, report.VerifiedCopies, report.VerifiedBytes, report.BadCopies);
            if (report.BeyondVerifyBudget > 0)
            {
                BeyondVerifyBudget(logger, report.BeyondVerifyBudget);
            }
        }
        if (report.RebalanceWithheld is { } reason)
        {
            RebalanceWithheld(logger, reason);
        }
        foreach (var error in report.ConfigurationErrors)
        {
            ConfigurationError(logger, error);
        }
        if (report.UnlistedServers > 0)
        {
            UnlistedServers(logger, report.UnlistedServers, report.Servers);
        }
        if (report.StaleServers.Count > 0)
        {
            StaleServers(logger, report.StaleServers.Count, report.Servers, string.Join("; ", report.StaleServers));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stale} of {Servers} blob servers are stale, their copies not trusted: {Lines}. Wipe each, or check its objects against the other servers and accept it, before it rejoins")]
    public static partial void StaleServers(ILogger logger, int stale, int servers, string lines);

    [LoggerMessage(Level = LogLevel.Error, Message = "Only {Servers} blob servers, cannot keep {MinCopies} copies of each object: the pass copies what it can but cannot succeed")]
    public static partial void TooFewServers(ILogger logger, int servers, int minCopies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Server} gave no identity ({Reason}): the pass cannot tell whether another configured name reaches the same server, so it removes no copy")]
    public static partial void IdentityUnknown(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Servers} gave no identity and cannot be asked to verify a copy: this pass counts none of their copies, and sends them none")]
    public static partial void CannotVerify(ILogger logger, string servers);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Server} and {Kept} are one blob server (identity {Identity}): counted once, as {Kept}. Name each server once in the configuration")]
    public static partial void DuplicateIdentity(ILogger logger, BlobServer server, BlobServer kept, string identity);

    [LoggerMessage(Level = LogLevel.Information, Message = "Holding the rebalance lease on {Held} of {Servers} blob servers as {Holder}")]
    public static partial void LeaseHeld(ILogger logger, int held, int servers, string holder);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The rebalance lease on {Server}: {Reason}")]
    public static partial void LeaseAttemptFailed(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the rebalance lease (renewed on too few servers): the pass removes no more copies")]
    public static partial void LeaseLost(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give back the rebalance lease on {Server}: {Reason}; it expires by itself")]
    public static partial void LeaseReleaseFailed(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Listed {Count} objects on {Server}")]
    public static partial void Listed(ILogger logger, BlobServer server, long count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not list {Server}: {Reason}. It gets no copies in this pass, and the pass cannot succeed")]
    public static partial void ListFailed(ILogger logger, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Would copy {ObjectId} from {Source} to {Targets}")]
    public static partial void WouldCopy(ILogger logger, ObjectId objectId, BlobServer source, string targets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Would remove the handoff copies of {ObjectId} from {Servers}")]
    public static partial void WouldRemove(ILogger logger, ObjectId objectId, string servers);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Server} verified its copy of {ObjectId} by hash ({Bytes} bytes)")]
    public static partial void Verified(ILogger logger, ObjectId objectId, BlobServer server, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Server}'s copy of {ObjectId} failed verification and was quarantined by the server")]
    public static partial void BadCopy(ILogger logger, ObjectId objectId, BlobServer server);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Server} no longer has {ObjectId}")]
    public static partial void VerifiedMissing(ILogger logger, ObjectId objectId, BlobServer server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not verify {ObjectId} on {Server}: {Reason}; its copy there is not counted in this pass")]
    public static partial void VerifyFailed(ILogger logger, ObjectId objectId, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Removed the handoff copy of {ObjectId} from {Server} (into its trash)")]
    public static partial void Removed(ILogger logger, ObjectId objectId, BlobServer server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not remove the handoff copy of {ObjectId} from {Server}: {Reason}")]
    public static partial void RemoveFailed(ILogger logger, ObjectId objectId, BlobServer server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept the handoff copies of {ObjectId}: {Reason}")]
    public static partial void KeptHandoffs(ILogger logger, ObjectId objectId, string reason);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Progress: {Objects} objects listed, {Under} below the minimum, {Misplaced} misplaced, {Copies} copies made ({Bytes} bytes), failures: {Failures}")]
    public static partial void Progress(ILogger logger, long objects, long under, long misplaced, long copies, long bytes, long failures);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Copied {ObjectId} from {Source} to {Target} ({Bytes} bytes)")]
    public static partial void Copied(ILogger logger, ObjectId objectId, BlobServer source, BlobServer target, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {ObjectId} to {Target} failed: {Reason}")]
    public static partial void CopyFailed(ILogger logger, ObjectId objectId, BlobServer target, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Source} no longer has {ObjectId}; trying another holder")]
    public static partial void SourceMissing(ILogger logger, ObjectId objectId, BlobServer source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Repair of {ObjectId} failed: {Reason}")]
    public static partial void RepairFailed(ILogger logger, ObjectId objectId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{ObjectId} still has {Copies} of {MinCopies} copies")]
    public static partial void StillUnderReplicated(ILogger logger, ObjectId objectId, int copies, int minCopies);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Pass done in {Seconds:0.0}s: {Objects} objects on {Servers} servers, {UnderBefore} below {MinCopies} copies before, "
            + "{Misplaced} off their preferred servers, {Copies} copies made ({Bytes} bytes), {Removed} handoff copies removed, "
            + "failures: {Failures}, {UnderAfter} below {MinCopies} copies after")]
    public static partial void PassSummary(ILogger logger, double seconds, long objects, int servers, long underBefore, int minCopies,
        long misplaced, long copies, long bytes, long removed, long failures, long underAfter);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dry run done in {Seconds:0.0}s: {Objects} objects on {Servers} servers, {UnderBefore} below {MinCopies} copies, "
            + "{Misplaced} off their preferred servers, {Copies} copies would be made, {Removed} handoff copies would be removed, "
            + "failures: {Failures}; nothing was changed")]
    public static partial void DryRunSummary(ILogger logger, double seconds, long objects, int servers, long underBefore, int minCopies,
        long misplaced, long copies, long removed, long failures);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Verified by hash: {Verified} copies ({Bytes} bytes); {Bad} bad copies found and quarantined by their servers. Only verified copies were counted")]
    public static partial void VerifySummary(ILogger logger, long verified, long bytes, long bad);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Objects} objects lay beyond the --verify-max-bytes budget: they were counted by listing, as a plain pass counts them, "
            + "not verified; the pass cannot vouch for their copies")]
    public static partial void BeyondVerifyBudget(ILogger logger, long objects);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebalance: {Reason}")]
    public static partial void RebalanceWithheld(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration error: {Error}")]
    public static partial void ConfigurationError(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Unlisted} of {Servers} blob servers could not be listed: copies they hold went uncounted")]
    public static partial void UnlistedServers(ILogger logger, int unlisted, int servers);
}
