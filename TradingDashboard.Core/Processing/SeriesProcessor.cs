using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// Everything computed for one symbol and timeframe: indicators, Williams pivots, the feature rows, and the history the
/// dashboard reads. <see cref="Process"/> and <see cref="PeekForming"/> run on the processing thread only; the
/// <see cref="History"/> may be read from any thread.
/// </summary>
public sealed class SeriesProcessor
{
    private readonly double[] _row;

    public SeriesProcessor(string symbol, Timeframe timeframe, IReadOnlyList<IndicatorSpec> indicators, PivotSettings pivots, int historyBars, FeatureSchema? schema)
    {
        Symbol = symbol;
        Timeframe = timeframe;
        Indicators = new IndicatorSet(indicators);
        Pivots = new WilliamsPivotDetector(symbol, timeframe, pivots);
        _row = new double[Indicators.ColumnCount];
        if (schema is not null)
        {
            Features = new FeatureSeries(schema, symbol, timeframe, Indicators.Columns);
        }

        // Offline runs (historyBars 0) keep no dashboard history and skip the per-bar level summary.
        History = historyBars > 0 ? new SeriesHistory(symbol, timeframe, Indicators.Columns, historyBars, pivots.KeepPerLevel * PivotSettings.Levels) : null;
    }

    public string Symbol { get; }

    public Timeframe Timeframe { get; }

    public IndicatorSet Indicators { get; }

    public WilliamsPivotDetector Pivots { get; }

    /// <summary>Null when this series is not part of the feature schema.</summary>
    public FeatureSeries? Features { get; }

    /// <summary>Null when created without dashboard history.</summary>
    public SeriesHistory? History { get; }

    public long LastOpenTimeMs => Pivots.LastOpenTimeMs;

    /// <summary>The indicator row of the last processed bar (NaN where not valid). Valid until the next call.</summary>
    public ReadOnlySpan<double> LastRow => _row;

    /// <summary>Runs one closed bar through indicators, pivots and feature rows; appends newly confirmed pivots to <paramref name="pivots"/>.</summary>
    public void Process(OHLCVBar bar, List<PivotPoint> pivots)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(pivots);
        var price = PriceBar.From(bar);
        var first = pivots.Count;
        Pivots.Update(price, pivots);
        Indicators.Update(price, _row);
        Features?.Append(price, _row, Pivots);
        History?.Append(bar, _row, pivots.Count > first ? pivots.GetRange(first, pivots.Count - first) : [], Pivots.Summarize());
    }

    /// <summary>Indicator values a forming candle would give if it closed now; the state does not change.</summary>
    public IndicatorSnapshot PeekForming(OHLCVBar forming)
    {
        ArgumentNullException.ThrowIfNull(forming);
        var row = new double[Indicators.ColumnCount];
        Indicators.Peek(PriceBar.From(forming), row);
        return IndicatorSnapshot.Create(Symbol, Timeframe, forming.OpenTimeMs, isClosed: false, Indicators.Columns, row);
    }
}

/// <summary>Indicator values of one bar by column; null where not yet valid.</summary>
public sealed record IndicatorSnapshot(string Symbol, Timeframe Timeframe, long OpenTimeMs, bool IsClosed, IReadOnlyDictionary<string, double?> Values)
{
    public static IndicatorSnapshot Create(string symbol, Timeframe timeframe, long openTimeMs, bool isClosed, IReadOnlyList<string> columns, ReadOnlySpan<double> row)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var values = new Dictionary<string, double?>(columns.Count, StringComparer.Ordinal);
        for (var i = 0; i < columns.Count; i++)
        {
            values[columns[i]] = IndicatorValues.AsNullable(row[i]);
        }

        return new IndicatorSnapshot(symbol, timeframe, openTimeMs, isClosed, values);
    }

    /// <summary>The valid values only, as carried on <see cref="OHLCVBar.Indicators"/>.</summary>
    public IReadOnlyDictionary<string, double> ValidValues() =>
        Values.Where(kv => kv.Value.HasValue).ToDictionary(kv => kv.Key, kv => kv.Value!.Value, StringComparer.Ordinal);
}
