using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Sos.Core.Time;

/// <summary>
/// When a write or a delete happened, as a hybrid logical clock reads it: UTC ticks (100 ns) of
/// the writer's wall clock, pushed forward past every timestamp that writer has seen, so that two
/// events of one writer never share a value and an event always orders after what caused it. A
/// delete and a write of one id are ordered by comparing their timestamps: the later wins.
/// </summary>
public readonly record struct HybridTimestamp(long Ticks) : IComparable<HybridTimestamp>
{
    /// <summary>
    /// The header that carries a timestamp between Sos services and blob servers. Not an <c>X-</c>
    /// header: those are the object's metadata, and an original sos server ignores this one.
    /// </summary>
    public const string Header = "Sos-Timestamp";

    public static HybridTimestamp FromTime(DateTimeOffset time) => new(time.UtcTicks);

    /// <summary>The wall-clock part, for people and for a copy's modification time.</summary>
    public DateTimeOffset Time => new(Math.Clamp(Ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);

    public int CompareTo(HybridTimestamp other) => Ticks.CompareTo(other.Ticks);

    public static bool operator <(HybridTimestamp left, HybridTimestamp right) => left.Ticks < right.Ticks;

    public static bool operator >(HybridTimestamp left, HybridTimestamp right) => left.Ticks > right.Ticks;

    public static bool operator <=(HybridTimestamp left, HybridTimestamp right) => left.Ticks <= right.Ticks;

    public static bool operator >=(HybridTimestamp left, HybridTimestamp right) => left.Ticks >= right.Ticks;

    public static HybridTimestamp Max(HybridTimestamp left, HybridTimestamp right) => left >= right ? left : right;

    /// <summary>Parses the decimal form of <see cref="ToString"/>; anything else (or a negative value) is refused.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out HybridTimestamp? timestamp)
    {
        timestamp = null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks))
        {
            return false;
        }
        timestamp = new HybridTimestamp(ticks);
        return true;
    }

    public override string ToString() => Ticks.ToString(CultureInfo.InvariantCulture);
}
