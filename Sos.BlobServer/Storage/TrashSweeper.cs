using Microsoft.Extensions.Options;

namespace Sos.BlobServer.Storage;

/// <summary>Unlinks trashed copies once they are older than <see cref="BlobStoreOptions.TrashRetention"/>.</summary>
public sealed partial class TrashSweeper(BlobStore store, IOptions<BlobStoreOptions> options, TimeProvider time, ILogger<TrashSweeper> logger) : BackgroundService
{
    private static readonly TimeSpan MaxPeriod = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Often enough that a copy is gone soon after its retention, never more than every second.
        var period = TimeSpan.FromTicks(Math.Clamp(options.Value.TrashRetention.Ticks / 4, TimeSpan.TicksPerSecond, MaxPeriod.Ticks));
        using var timer = new PeriodicTimer(period, time);
        do
        {
            try
            {
                var removed = store.SweepTrash();
                if (removed > 0)
                {
                    LogSwept(logger, removed);
                }
            }
            catch (IOException ex)
            {
                LogSweepFailed(logger, ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Unlinked {Copies} copies whose time in the trash was up")]
    private static partial void LogSwept(ILogger logger, int copies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweeping the trash failed; the next sweep tries again")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
