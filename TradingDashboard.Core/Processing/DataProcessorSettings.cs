using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>Everything the <see cref="DataProcessor"/> needs, resolved from the settings (or built by the trainer).</summary>
public sealed record DataProcessorSettings
{
    public required IReadOnlyList<string> Symbols { get; init; }

    public required IReadOnlyList<Timeframe> Timeframes { get; init; }

    /// <summary>Indicator specs per timeframe (timeframes missing here use the default set).</summary>
    public IReadOnlyDictionary<Timeframe, IReadOnlyList<IndicatorSpec>> Indicators { get; init; } = new Dictionary<Timeframe, IReadOnlyList<IndicatorSpec>>();

    public PivotSettings Pivots { get; init; } = PivotSettings.Default;

    /// <summary>Null: no feature frames.</summary>
    public FeatureSettings? Features { get; init; }

    /// <summary>Closed bars kept per series for the dashboard.</summary>
    public int HistoryBars { get; init; } = 2000;

    public IReadOnlyList<IndicatorSpec> IndicatorsFor(Timeframe timeframe) =>
        Indicators.TryGetValue(timeframe, out var specs) ? specs : IndicatorSpec.Defaults;

    /// <summary>Resolves the validated "Trading" and "Trading:Processor" sections.</summary>
    public static DataProcessorSettings From(TradingOptions trading, DataProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(options);

        // Distinct: TradingOptions' default lists are appended to by configuration binding.
        var symbols = trading.Symbols.Distinct(StringComparer.Ordinal).ToList();
        var timeframes = trading.ParsedTimeframes();
        var pivots = options.Pivots.ToSettings();
        FeatureSettings? features = null;
        var f = options.Features;
        if (f.Enabled)
        {
            var featureTimeframes = f.Timeframes.Count > 0 ? f.Timeframes.Select(TimeframeExtensions.Parse).ToList() : timeframes.ToList();
            features = new FeatureSettings
            {
                Symbols = symbols.Take(4).ToList(),
                Timeframes = featureTimeframes,
                OptionalTimeframes = (f.OptionalTimeframes ?? ["1s"]).Select(TimeframeExtensions.Parse).Where(featureTimeframes.Contains).ToList(),
                AnchorTimeframe = TimeframeExtensions.Parse(f.AnchorTimeframe),
                WindowLength = f.WindowLength,
                Indicators = (f.Indicators.Count > 0 ? f.Indicators : IndicatorSpec.DefaultNames).Select(IndicatorSpec.Parse).ToList(),
                NormalizationLevel = f.NormalizationLevel,
                ClipValue = f.ClipValue,
                Pivots = pivots,
            };
        }

        return new DataProcessorSettings
        {
            Symbols = symbols,
            Timeframes = timeframes,
            Indicators = timeframes.ToDictionary(tf => tf, options.IndicatorsFor),
            Pivots = pivots,
            Features = features,
            HistoryBars = options.HistoryBars,
        };
    }
}
