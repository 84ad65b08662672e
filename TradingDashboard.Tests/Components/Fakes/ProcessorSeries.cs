using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>Builds <see cref="SeriesView"/>s for <see cref="FakeDataProcessorState"/>: bars, indicator columns, pivots, levels.</summary>
public static class ProcessorSeries
{
    /// <summary>The indicator columns of the default settings that the chart draws or ignores (atr_14 is not drawn).</summary>
    public static readonly string[] Columns =
    [
        "sma_20", "ema_20", "wma_20", "rsi_14", "macd_12_26_9", "macd_signal_12_26_9", "macd_hist_12_26_9",
        "bb_upper_20_2", "bb_middle_20_2", "bb_lower_20_2", "atr_14", "vwap",
    ];

    /// <summary>Bars before which a column is not yet valid (TA-Lib look-backs of the default settings).</summary>
    public static int WarmupOf(string column) => column switch
    {
        "sma_20" or "ema_20" or "wma_20" or "bb_upper_20_2" or "bb_middle_20_2" or "bb_lower_20_2" => 19,
        "rsi_14" or "atr_14" => 14,
        "macd_12_26_9" or "macd_signal_12_26_9" or "macd_hist_12_26_9" => 33,
        _ => 0,
    };

    /// <summary>
    /// A recognisable value for bar <paramref name="i"/> of a column, null during its warm-up. Values are not indicator
    /// math: the tests check that the chart shows exactly what the processor holds.
    /// </summary>
    public static double? ValueOf(string column, int i)
    {
        if (i < WarmupOf(column))
        {
            return null;
        }

        return column switch
        {
            "rsi_14" => 40 + (i % 20),
            "macd_hist_12_26_9" => i % 2 == 0 ? 0.5 + i : -0.5 - i,
            "macd_12_26_9" => 1 + (i * 0.01),
            "macd_signal_12_26_9" => 2 + (i * 0.01),
            _ => 3000 + i + (Array.IndexOf(Columns, column) * 0.125),
        };
    }

    public static SeriesView View(
        IReadOnlyList<OHLCVBar> bars,
        IReadOnlyList<PivotPoint>? pivots = null,
        IReadOnlyList<PivotLevelSummary>? levels = null,
        IndicatorSnapshot? forming = null,
        IReadOnlyList<string>? columns = null)
    {
        var closed = bars.Where(b => b.IsClosed).ToList();
        var indicators = (columns ?? Columns).ToDictionary(
            c => c,
            c => (IReadOnlyList<double?>)Enumerable.Range(0, closed.Count).Select(i => ValueOf(c, i)).ToList(),
            StringComparer.Ordinal);
        return new SeriesView(closed[0].Symbol, closed[0].Timeframe, closed, indicators, pivots ?? [], levels ?? [], forming);
    }

    public static PivotPoint Pivot(OHLCVBar bar, int level, PivotType type, int confirmedAfterBars = 3) =>
        new(bar.Symbol, bar.Timeframe, level, type, type == PivotType.High ? bar.High : bar.Low, bar.OpenTimeMs,
            bar.OpenTimeMs + ((confirmedAfterBars + 1) * bar.Timeframe.DurationMs()) - 1);

    public static DataProcessorStatus Status(long processed) =>
        new(processed, 0, 0, 0, Core.Features.FrameCounts.Zero, null, [], null);
}
