using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Features;

/// <summary>
/// The raw per-bar feature rows of one symbol and timeframe, recorded at each bar close: everything a frame needs from
/// that bar, as known at its close (indicator values, pivot context, and the PivotBounds of the normalization level).
/// A frame built later for time T reads only rows of bars that closed by T, so nothing after T leaks in.
/// </summary>
public sealed class FeatureSeries
{
    /// <summary>Hidden columns after the features: PivotBounds (PriceLow, PriceHigh, VolumeMax) as of the bar.</summary>
    internal const int BoundsColumns = 3;

    private readonly FeatureSchema _schema;
    private readonly int[] _indicatorIndex;
    private readonly double[] _rows;
    private readonly long[] _openTimes;
    private readonly int _closeIndex;
    private long _appended;

    public FeatureSeries(FeatureSchema schema, string symbol, Timeframe timeframe, IReadOnlyList<string> indicatorColumns)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(indicatorColumns);
        _schema = schema;
        Symbol = symbol;
        Timeframe = timeframe;
        DurationMs = timeframe.DurationMs();
        _indicatorIndex = schema.IndicatorColumns.Select(c =>
        {
            var index = indicatorColumns.ToList().IndexOf(c);
            return index >= 0 ? index : throw new ArgumentException($"The {symbol} {timeframe.ToCode()} indicators lack the feature column '{c}'.", nameof(indicatorColumns));
        }).ToArray();

        // Room for the window plus the bars that may close while a frame waits for its last pieces.
        var anchorBars = (int)Math.Max(1, schema.Settings.AnchorTimeframe.DurationMs() / DurationMs);
        Capacity = schema.WindowLength + (2 * anchorBars) + 8;
        Stride = schema.FeatureCount + BoundsColumns;
        _rows = new double[Capacity * Stride];
        _openTimes = new long[Capacity];
        _closeIndex = schema.IndexOfFeature("close");
    }

    public string Symbol { get; }

    public Timeframe Timeframe { get; }

    public long DurationMs { get; }

    public int Capacity { get; }

    internal int Stride { get; }

    /// <summary>Rows appended so far (not only those kept).</summary>
    public long Count => _appended;

    public long LastOpenTimeMs { get; private set; } = long.MinValue;

    /// <summary>Records the row of a bar that just closed. <paramref name="indicatorRow"/> is the series' indicator output for it.</summary>
    public void Append(in PriceBar bar, ReadOnlySpan<double> indicatorRow, WilliamsPivotDetector pivots)
    {
        ArgumentNullException.ThrowIfNull(pivots);
        if (bar.OpenTimeMs <= LastOpenTimeMs)
        {
            throw new ArgumentException($"Bar {bar.OpenTimeMs} is not after {LastOpenTimeMs} in {Symbol} {Timeframe.ToCode()}.", nameof(bar));
        }

        var slot = (int)(_appended % Capacity);
        var row = _rows.AsSpan(slot * Stride, Stride);
        var f = 0;
        row[f++] = bar.Open;
        row[f++] = bar.High;
        row[f++] = bar.Low;
        row[f++] = bar.Close;
        row[f++] = bar.Volume;
        foreach (var index in _indicatorIndex)
        {
            row[f++] = indicatorRow[index];
        }

        for (var level = 1; level <= PivotSettings.Levels; level++)
        {
            var high = pivots.LastHigh(level);
            var low = pivots.LastLow(level);
            row[f++] = high is null ? double.NaN : bar.Close - high.Price;
            row[f++] = low is null ? double.NaN : bar.Close - low.Price;
            row[f++] = pivots.GetTrend(level) switch
            {
                Trend.Up => 1.0,
                Trend.Down => -1.0,
                Trend.Sideways => 0.0,
                _ => double.NaN,
            };
        }

        var bounds = pivots.GetLevelBounds(_schema.Settings.NormalizationLevel);
        row[f++] = bounds?.PriceLow ?? double.NaN;
        row[f++] = bounds?.PriceHigh ?? double.NaN;
        row[f] = bounds?.VolumeMax ?? double.NaN;

        _openTimes[slot] = bar.OpenTimeMs;
        LastOpenTimeMs = bar.OpenTimeMs;
        _appended++;
    }

    /// <summary>Open time of the row <paramref name="age"/> bars before the newest (0 = newest).</summary>
    internal long OpenTimeAt(int age) => _openTimes[(int)((_appended - 1 - age) % Capacity)];

    /// <summary>The raw row <paramref name="age"/> bars before the newest, hidden bounds columns included.</summary>
    internal ReadOnlySpan<double> RowAt(int age) => _rows.AsSpan((int)((_appended - 1 - age) % Capacity) * Stride, Stride);

    /// <summary>Ring slot of the row <paramref name="age"/> bars before the newest.</summary>
    internal int SlotOf(int age) => (int)((_appended - 1 - age) % Capacity);

    /// <summary>The ring of rows (slot · <see cref="Stride"/>), for the frame builder's tight loop.</summary>
    internal double[] Rows => _rows;

    /// <summary>Rows currently kept.</summary>
    internal int Kept => (int)Math.Min(_appended, Capacity);

    internal int CloseIndex => _closeIndex;
}
