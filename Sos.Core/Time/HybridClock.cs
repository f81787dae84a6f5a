namespace Sos.Core.Time;

/// <summary>
/// A hybrid logical clock: <see cref="Now"/> follows the wall clock but never goes back and never
/// repeats, and <see cref="Observe"/> moves it past a timestamp received from elsewhere, so that a
/// server whose clock is behind still stamps its next event after the one it just saw.
/// </summary>
public sealed class HybridClock(TimeProvider time)
{
    private long _last;

    public HybridTimestamp Now()
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(time.GetUtcNow().UtcTicks, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return new HybridTimestamp(next);
            }
        }
    }

    public void Observe(HybridTimestamp seen)
    {
        while (true)
        {
            var last = Volatile.Read(ref _last);
            if (seen.Ticks <= last || Interlocked.CompareExchange(ref _last, seen.Ticks, last) == last)
            {
                return;
            }
        }
    }
}
