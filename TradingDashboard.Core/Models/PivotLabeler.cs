using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Models;

/// <summary>
/// How pivot labels are made (recorded in every model card).
/// </summary>
/// <param name="PivotLevel">The Williams level whose pivots are predicted (1..5).</param>
/// <param name="HorizonBars">Bars of the label's timeframe after the frame's time in which the pivot must occur.</param>
/// <param name="ConfirmationMarginBars">Bars that must exist after the horizon before a label counts as known, so a pivot inside the horizon had time to be confirmed.</param>
public sealed record PivotLabelSettings(int PivotLevel = 2, int HorizonBars = 5, int ConfirmationMarginBars = 100)
{
    public static PivotLabelSettings Default { get; } = new();

    public void Validate()
    {
        if (PivotLevel is < 1 or > PivotSettings.Levels)
        {
            throw new ArgumentOutOfRangeException(nameof(PivotLevel), PivotLevel, $"PivotLevel must be from 1 to {PivotSettings.Levels}.");
        }

        if (HorizonBars is < 1 or > 10_000)
        {
            throw new ArgumentOutOfRangeException(nameof(HorizonBars), HorizonBars, "HorizonBars must be from 1 to 10000.");
        }

        if (ConfirmationMarginBars is < 0 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(ConfirmationMarginBars), ConfirmationMarginBars, "ConfirmationMarginBars must be from 0 to 100000.");
        }
    }
}

/// <summary>
/// Labels for the frame at time T (its anchor close) on one timeframe: the type of the first level-L pivot whose bar opens
/// in the horizon [first bar opening at or after T, + HorizonBars bars), or none. Only pivots of bars that open at or after
/// T are read, so a label never leaks into the frame's own data (the frame holds bars closed by T). A label is unknown (-1)
/// when the series does not hold every bar of the horizon plus the confirmation margin (end of data, a gap, no data).
/// When a high and a low share the first pivot bar (an outside bar), the label is high.
/// </summary>
public static class PivotLabeler
{
    public const sbyte Unknown = -1;

    /// <summary>The horizon of the frame at <paramref name="asOfMs"/>: [start, end) in bar open times.</summary>
    public static (long StartMs, long EndMs) Horizon(long asOfMs, Timeframe timeframe, PivotLabelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var duration = timeframe.DurationMs();
        var start = timeframe.BucketStart(asOfMs + duration - 1);
        return (start, start + (settings.HorizonBars * duration));
    }

    /// <summary>
    /// The label, or <see cref="Unknown"/>. <paramref name="pivots"/>: the series' pivots of level
    /// <see cref="PivotLabelSettings.PivotLevel"/> (others are ignored), sorted by bar open time.
    /// </summary>
    public static sbyte Label(long asOfMs, Timeframe timeframe, IReadOnlyList<PivotPoint> pivots, SeriesCoverage coverage, PivotLabelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(pivots);
        ArgumentNullException.ThrowIfNull(coverage);
        var (start, end) = Horizon(asOfMs, timeframe, settings);
        if (!coverage.IsContiguous(start, end + (settings.ConfirmationMarginBars * timeframe.DurationMs())))
        {
            return Unknown;
        }

        var i = FirstAtOrAfter(pivots, start);
        PivotClass? found = null;
        long foundAt = long.MaxValue;
        for (; i < pivots.Count && pivots[i].OpenTimeMs < end; i++)
        {
            var pivot = pivots[i];
            if (pivot.Level != settings.PivotLevel || pivot.OpenTimeMs > foundAt)
            {
                continue;
            }

            var type = pivot.Type == PivotType.High ? PivotClass.High : PivotClass.Low;
            if (found is null || type == PivotClass.High)
            {
                found = type;
                foundAt = pivot.OpenTimeMs;
            }
        }

        return (sbyte)(found ?? PivotClass.None);
    }

    private static int FirstAtOrAfter(IReadOnlyList<PivotPoint> pivots, long timeMs)
    {
        int lo = 0, hi = pivots.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (pivots[mid].OpenTimeMs < timeMs)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}

/// <summary>Which bars of one series exist: sorted, distinct open times on the timeframe's grid.</summary>
public sealed class SeriesCoverage
{
    private readonly long[] _openTimes;
    private readonly long _duration;

    public SeriesCoverage(Timeframe timeframe, long[] sortedOpenTimes)
    {
        ArgumentNullException.ThrowIfNull(sortedOpenTimes);
        for (var i = 1; i < sortedOpenTimes.Length; i++)
        {
            if (sortedOpenTimes[i] <= sortedOpenTimes[i - 1])
            {
                throw new ArgumentException("Open times must be strictly increasing.", nameof(sortedOpenTimes));
            }
        }

        Timeframe = timeframe;
        _openTimes = sortedOpenTimes;
        _duration = timeframe.DurationMs();
    }

    public static SeriesCoverage Empty(Timeframe timeframe) => new(timeframe, []);

    public Timeframe Timeframe { get; }

    public int Count => _openTimes.Length;

    /// <summary>True when every bar opening in [<paramref name="fromMs"/>, <paramref name="toExclusiveMs"/>) exists.</summary>
    public bool IsContiguous(long fromMs, long toExclusiveMs)
    {
        if (toExclusiveMs <= fromMs)
        {
            return true;
        }

        var first = Array.BinarySearch(_openTimes, fromMs);
        if (first < 0)
        {
            return false;
        }

        var expected = (toExclusiveMs - fromMs + _duration - 1) / _duration;
        var last = first + expected - 1;
        return last < _openTimes.Length && _openTimes[last] == fromMs + ((expected - 1) * _duration);
    }
}
