using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sos.Core.Files;

/// <summary>
/// Removes temp files that nothing has written to for a while: the leftovers of writes whose
/// process died, or whose clean-up failed. A file still being written keeps a fresh
/// modification time, so a slow upload is never swept from under its writer.
/// </summary>
public sealed partial class StaleFileSweeper(string directory, TimeSpan maxAge, TimeSpan period, ILogger<StaleFileSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period);
        do
        {
            var removed = Sweep(directory, maxAge, DateTime.UtcNow);
            if (removed > 0)
            {
                LogSwept(logger, removed, directory);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes the files in <paramref name="directory"/> unchanged for longer than <paramref name="maxAge"/>.</summary>
    public static int Sweep(string directory, TimeSpan maxAge, DateTime nowUtc)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        var removed = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles())
        {
            if (nowUtc - file.LastWriteTimeUtc <= maxAge)
            {
                continue;
            }
            try
            {
                file.Delete();
                removed++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone already, or not ours to delete: the next sweep tries again.
            }
        }
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} abandoned temp files from {Directory}")]
    private static partial void LogSwept(ILogger logger, int count, string directory);
}
