using System.Diagnostics;
using System.Globalization;

namespace Sos.Cli;

/// <summary>
/// A one-line progress display on the error stream (<c>name  42%  84.0/200.0 MiB  95.3 MiB/s</c>),
/// redrawn at most five times a second, for transfers large enough to be worth watching.
/// </summary>
internal sealed class ProgressLine(TextWriter error, string label, long total) : IProgress<long>
{
    public const long MinimumBytes = 8L * 1024 * 1024;
    private const double MiB = 1024 * 1024;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly Stopwatch _elapsed = Stopwatch.StartNew();
    private TimeSpan _lastDrawn = -Interval;
    private bool _drawn;

    /// <summary>A progress line for a transfer of <paramref name="total"/> bytes, or null when none should be shown.</summary>
    public static ProgressLine? For(CliConsole console, string label, long total) =>
        console.ShowProgress && total >= MinimumBytes ? new ProgressLine(console.Error, label, total) : null;

    public void Report(long value)
    {
        var now = _elapsed.Elapsed;
        if (now - _lastDrawn < Interval && value < total)
        {
            return;
        }
        _lastDrawn = now;
        _drawn = true;
        var rate = value / MiB / Math.Max(now.TotalSeconds, 0.001);
        error.Write(string.Create(CultureInfo.InvariantCulture,
            $"\r{label}  {100.0 * value / Math.Max(total, 1),3:0}%  {value / MiB:0.0}/{total / MiB:0.0} MiB  {rate:0.0} MiB/s   "));
    }

    /// <summary>Ends the line, so that what is printed next starts on its own.</summary>
    public void Done()
    {
        if (_drawn)
        {
            error.WriteLine();
        }
    }
}
