using Sos.Replicator.Replication;

namespace Sos.Replicator;

/// <summary>The replicator's exit codes: what a cron job, CronJob or Container Apps job acts on.</summary>
internal static class ExitCodes
{
    /// <summary>Every object is at its minimum copies and every blob server was listed (interval mode: stopped on request).</summary>
    public const int Success = 0;

    /// <summary>
    /// Some object is below its minimum copies (with <c>--verify</c>: verified copies), or some blob
    /// server could not be listed, or there are fewer servers than the minimum, or one server is
    /// configured under two names: the store cannot be said to be whole.
    /// </summary>
    public const int BelowMinimum = 1;

    /// <summary>The command line or the configuration is wrong; nothing was done.</summary>
    public const int UsageError = 2;

    /// <summary>
    /// A <c>--verify</c> pass found every object it verified at its minimum of verified copies and
    /// the rest at their minimum by listing, but its byte budget left some objects unverified: it
    /// cannot vouch for their copies.
    /// </summary>
    public const int NotAllVerified = 3;

    /// <summary>The verdict of a <c>--once</c> pass.</summary>
    public static int Of(ReplicationReport report) =>
        !report.AtMinimum ? BelowMinimum
        : !report.FullyVerified ? NotAllVerified
        : Success;
}
