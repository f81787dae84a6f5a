namespace Sos.Replicator;

/// <summary>The replicator's exit codes: what a cron job, CronJob or Container Apps job acts on.</summary>
internal static class ExitCodes
{
    /// <summary>Every object is at its minimum copies and every blob server was listed (interval mode: stopped on request).</summary>
    public const int Success = 0;

    /// <summary>
    /// Some object is below its minimum copies, or some blob server could not be listed, or there
    /// are fewer servers than the minimum: the store cannot be said to be whole.
    /// </summary>
    public const int BelowMinimum = 1;

    /// <summary>The command line or the configuration is wrong; nothing was done.</summary>
    public const int UsageError = 2;
}
