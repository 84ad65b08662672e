using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// The "Trading:Processor" section: indicators per timeframe, pivots, feature frames, and the data-processor stage.
/// Lists are empty by default and fall back to the documented defaults (configuration binding appends to a non-empty default list).
/// </summary>
public sealed class DataProcessorOptions
{
    public const string SectionName = "Trading:Processor";

    /// <summary>Whether the host starts the data-processor stage on start-up.</summary>
    public bool AutoStart { get; set; } = true;

    /// <summary>Indicator specs for every timeframe (e.g. sma_20, macd_12_26_9); empty: the default set.</summary>
    public List<string> Indicators { get; set; } = [];

    /// <summary>Per-timeframe replacement of <see cref="Indicators"/>, keyed by timeframe code (1s, 1m, 1h, 1d).</summary>
    public Dictionary<string, List<string>> IndicatorsByTimeframe { get; set; } = [];

    public ProcessorPivotOptions Pivots { get; set; } = new();

    public ProcessorFeatureOptions Features { get; set; } = new();

    /// <summary>Closed bars (with their indicator values) kept per symbol and timeframe for the dashboard.</summary>
    public int HistoryBars { get; set; } = 2000;

    /// <summary>Closed candles waiting for the stage; when full, further closes are dropped and counted (never silently).</summary>
    public int ChannelCapacity { get; set; } = 100_000;

    /// <summary>How often indicator values of forming candles are recomputed for the dashboard (peek).</summary>
    public int FormingRefreshMilliseconds { get; set; } = 500;

    /// <summary>Whether confirmed pivots are written to SQLite.</summary>
    public bool StorePivots { get; set; } = true;

    /// <summary>The indicator specs of one timeframe (already validated).</summary>
    public IReadOnlyList<IndicatorSpec> IndicatorsFor(Timeframe timeframe)
    {
        var code = timeframe.ToCode();
        var names = IndicatorsByTimeframe.TryGetValue(code, out var byTf) && byTf.Count > 0
            ? byTf
            : Indicators.Count > 0 ? Indicators : IndicatorSpec.DefaultNames;
        return names.Select(IndicatorSpec.Parse).ToList();
    }
}

public sealed class ProcessorPivotOptions
{
    /// <summary>Level 1: bars on each side of a swing high or low.</summary>
    public int Strength { get; set; } = PivotSettings.Default.Strength;

    /// <summary>Levels 2-5: same-type pivots of the level below on each side.</summary>
    public int HigherLevelStrength { get; set; } = PivotSettings.Default.HigherLevelStrength;

    public int KeepPerLevel { get; set; } = PivotSettings.Default.KeepPerLevel;

    public int VolumeLookbackBars { get; set; } = PivotSettings.Default.VolumeLookbackBars;

    public PivotSettings ToSettings() => new(Strength, HigherLevelStrength, KeepPerLevel, VolumeLookbackBars);
}

public sealed class ProcessorFeatureOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Timeframe blocks of a frame, in order; empty: Trading:Timeframes.</summary>
    public List<string> Timeframes { get; set; } = [];

    /// <summary>Timeframes masked (not skipped) when absent; null: 1s only (no 1s history exists in replay files).</summary>
    public List<string>? OptionalTimeframes { get; set; }

    /// <summary>A frame is built at each close of the primary symbol's bar of this timeframe.</summary>
    public string AnchorTimeframe { get; set; } = "1m";

    public int WindowLength { get; set; } = 32;

    /// <summary>Indicators that become features; empty: the default set.</summary>
    public List<string> Indicators { get; set; } = [];

    /// <summary>Pivot level whose PivotBounds scale prices and volumes.</summary>
    public int NormalizationLevel { get; set; } = 2;

    /// <summary>Every normalized value is clipped to ±ClipValue.</summary>
    public double ClipValue { get; set; } = 10.0;
}

/// <summary>Rejects a bad "Trading:Processor" section at start, naming the setting.</summary>
public sealed class DataProcessorOptionsValidator(IOptions<TradingOptions> trading) : IValidateOptions<DataProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, DataProcessorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        var tradingTimeframes = new HashSet<Timeframe>(trading.Value.Timeframes.Where(t => TimeframeExtensions.TryParse(t, out _)).Select(TimeframeExtensions.Parse));
        const string S = DataProcessorOptions.SectionName;

        CheckSpecs(errors, $"{S}:Indicators", options.Indicators);
        foreach (var (code, list) in options.IndicatorsByTimeframe)
        {
            if (!TimeframeExtensions.TryParse(code, out _))
            {
                errors.Add($"{S}:IndicatorsByTimeframe has an unknown timeframe '{code}' (expected 1s, 1m, 1h or 1d).");
            }

            CheckSpecs(errors, $"{S}:IndicatorsByTimeframe:{code}", list);
        }

        var p = options.Pivots;
        if (p.Strength is < 1 or > 100)
        {
            errors.Add($"{S}:Pivots:Strength must be from 1 to 100 bars.");
        }

        if (p.HigherLevelStrength is < 1 or > 100)
        {
            errors.Add($"{S}:Pivots:HigherLevelStrength must be from 1 to 100.");
        }

        if (p.KeepPerLevel is < 4 or > 100_000)
        {
            errors.Add($"{S}:Pivots:KeepPerLevel must be from 4 to 100000.");
        }

        if (p.VolumeLookbackBars is < 10 or > 10_000_000)
        {
            errors.Add($"{S}:Pivots:VolumeLookbackBars must be from 10 to 10000000.");
        }

        var f = options.Features;
        if (f.Enabled)
        {
            CheckSpecs(errors, $"{S}:Features:Indicators", f.Indicators);
            foreach (var spec in f.Indicators.Count > 0 ? f.Indicators : IndicatorSpec.DefaultNames)
            {
                if (IndicatorSpec.TryParse(spec, out var parsed, out _))
                {
                    foreach (var column in parsed.Create().OutputNames)
                    {
                        try
                        {
                            _ = Features.FeatureDefinition.ForIndicatorColumn(column);
                        }
                        catch (ArgumentException ex)
                        {
                            errors.Add($"{S}:Features:Indicators: {ex.Message}");
                        }
                    }
                }
            }

            var timeframes = CheckTimeframes(errors, $"{S}:Features:Timeframes", f.Timeframes, tradingTimeframes);
            CheckTimeframes(errors, $"{S}:Features:OptionalTimeframes", f.OptionalTimeframes ?? [], tradingTimeframes);
            if (!TimeframeExtensions.TryParse(f.AnchorTimeframe, out var anchor))
            {
                errors.Add($"{S}:Features:AnchorTimeframe '{f.AnchorTimeframe}' is not a timeframe (expected 1s, 1m, 1h or 1d).");
            }
            else
            {
                var effective = timeframes.Count > 0 ? timeframes : tradingTimeframes.ToList();
                if (!effective.Contains(anchor))
                {
                    errors.Add($"{S}:Features:AnchorTimeframe '{f.AnchorTimeframe}' must be one of the feature timeframes.");
                }

                if ((f.OptionalTimeframes ?? ["1s"]).Contains(f.AnchorTimeframe))
                {
                    errors.Add($"{S}:Features:AnchorTimeframe '{f.AnchorTimeframe}' cannot be optional.");
                }
            }

            if (f.WindowLength is < 1 or > 4096)
            {
                errors.Add($"{S}:Features:WindowLength must be from 1 to 4096 bars.");
            }

            if (f.NormalizationLevel is < 1 or > PivotSettings.Levels)
            {
                errors.Add($"{S}:Features:NormalizationLevel must be from 1 to {PivotSettings.Levels}.");
            }

            if (!double.IsFinite(f.ClipValue) || f.ClipValue <= 0)
            {
                errors.Add($"{S}:Features:ClipValue must be a positive number.");
            }
        }

        if (options.HistoryBars is < 10 or > 1_000_000)
        {
            errors.Add($"{S}:HistoryBars must be from 10 to 1000000.");
        }

        if (options.ChannelCapacity is < 100 or > 10_000_000)
        {
            errors.Add($"{S}:ChannelCapacity must be from 100 to 10000000.");
        }

        if (options.FormingRefreshMilliseconds is < 50 or > 60_000)
        {
            errors.Add($"{S}:FormingRefreshMilliseconds must be from 50 to 60000.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckSpecs(List<string> errors, string setting, IEnumerable<string> specs)
    {
        foreach (var spec in specs)
        {
            if (!IndicatorSpec.TryParse(spec, out _, out var error))
            {
                errors.Add($"{setting}: {error}.");
            }
        }
    }

    private static List<Timeframe> CheckTimeframes(List<string> errors, string setting, IEnumerable<string> codes, HashSet<Timeframe> allowed)
    {
        var result = new List<Timeframe>();
        foreach (var code in codes)
        {
            if (!TimeframeExtensions.TryParse(code, out var tf))
            {
                errors.Add($"{setting} has an unknown timeframe '{code}' (expected 1s, 1m, 1h or 1d).");
            }
            else if (!allowed.Contains(tf))
            {
                errors.Add($"{setting} has '{code}', which is not in Trading:Timeframes.");
            }
            else
            {
                result.Add(tf);
            }
        }

        return result;
    }
}
