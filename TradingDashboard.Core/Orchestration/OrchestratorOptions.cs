using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Orchestration;

/// <summary>The "Trading:Orchestrator" section (docs/orchestrator.md).</summary>
public sealed class OrchestratorOptions
{
    public const string SectionName = "Trading:Orchestrator";

    /// <summary>Start the "orchestrator" stage with the host; off by default (start it from the System page).</summary>
    public bool AutoStart { get; set; }

    /// <summary>
    /// Which stage trades: false (default) keeps the orchestrator advisory (it decides and publishes, the executor gets
    /// nothing); true sends its targets to the executor, except while the "strategy-rule" stage is running (the two
    /// would fight over the same positions: such targets are blocked and counted).
    /// </summary>
    public bool Trades { get; set; }

    /// <summary>Decision timeframe (1s, 1m, 1h or 1d): the orchestrator decides at each close of it.</summary>
    public string Timeframe { get; set; } = "1m";

    /// <summary>Symbols decided on; empty: the primary symbol (first of Trading:Symbols).</summary>
    public List<string> Symbols { get; set; } = [];

    /// <summary>Closed candles from the candle cache replayed before going live (votes scored, nothing traded).</summary>
    public int WarmupBars { get; set; } = 500;

    /// <summary>Default entry confidence threshold (0..1) of a symbol without a stored one.</summary>
    public double EntryThreshold { get; set; } = 0.6;

    /// <summary>Default exit confidence threshold (0..1, at most the entry threshold).</summary>
    public double ExitThreshold { get; set; } = 0.4;

    /// <summary>A directional vote is scored against the close this many bars later.</summary>
    public int ScoreHorizonBars { get; set; } = 5;

    /// <summary>Scored votes per expert the recent accuracy is computed over.</summary>
    public int AccuracyWindow { get; set; } = 100;

    /// <summary>Softmax temperature of the recent-accuracy gate (smaller: sharper preference for the most accurate expert).</summary>
    public double GateTemperature { get; set; } = 0.1;

    /// <summary>Bars of log returns of the short and long volatility windows.</summary>
    public int VolatilityShortBars { get; set; } = 20;

    public int VolatilityLongBars { get; set; } = 200;

    /// <summary>A CNN/FastTree prediction older than this at the bar close is not used (the expert abstains).</summary>
    public int MaxPredictionAgeSeconds { get; set; } = 120;

    /// <summary>CNN heads (timeframes) the CNN expert reads.</summary>
    public List<string> CnnTimeframes { get; set; } = ["1m", "1h"];

    /// <summary>Buy target: long this fraction of equity (ActionMapper).</summary>
    public decimal LongFraction { get; set; } = 0.5m;

    /// <summary>Sell opens a short of <see cref="ShortFraction"/> where the venue allows it; false: Sell means flat.</summary>
    public bool ShortEnabled { get; set; }

    public decimal ShortFraction { get; set; } = 0.5m;

    /// <summary>
    /// Fee per side charged when the orchestrator's trades are attributed to the experts (PnlAttribution), 0.001 = 0.1 %:
    /// the paper venue's default taker fee. The attribution uses decision closes, not fills.
    /// </summary>
    public double AttributionFeeRate { get; set; } = PnlAttribution.DefaultFeeRate;

    /// <summary>Decisions the feed keeps for the dashboard.</summary>
    public int RecentDecisions { get; set; } = 500;

    /// <summary>
    /// The gate: "trained" (default) uses the trained ONNX gate of MODELS/gate when one is loaded and the recent-accuracy
    /// gate otherwise (its name then says "no trained gate loaded"); "recent-accuracy" always uses the non-learned gate.
    /// </summary>
    public string Gate { get; set; } = TrainedGateName;

    public const string TrainedGateName = "trained";
}

public sealed class OrchestratorOptionsValidator : IValidateOptions<OrchestratorOptions>
{
    public ValidateOptionsResult Validate(string? name, OrchestratorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = OrchestratorOptions.SectionName;
        var errors = new List<string>();
        if (!TimeframeExtensions.TryParse(options.Timeframe, out _))
        {
            errors.Add($"{S}:Timeframe '{options.Timeframe}' is not one of 1s, 1m, 1h, 1d.");
        }

        foreach (var timeframe in options.CnnTimeframes)
        {
            if (!TimeframeExtensions.TryParse(timeframe, out _))
            {
                errors.Add($"{S}:CnnTimeframes entry '{timeframe}' is not one of 1s, 1m, 1h, 1d.");
            }
        }

        if (ThresholdRules.Check(options.EntryThreshold, options.ExitThreshold) is { } thresholdError)
        {
            errors.Add($"{S}:EntryThreshold/ExitThreshold: {thresholdError}");
        }

        Range(errors, "WarmupBars", options.WarmupBars, 0, 1_000_000);
        Range(errors, "ScoreHorizonBars", options.ScoreHorizonBars, 1, 10_000);
        Range(errors, "AccuracyWindow", options.AccuracyWindow, 1, 100_000);
        Range(errors, "VolatilityShortBars", options.VolatilityShortBars, 2, 100_000);
        Range(errors, "VolatilityLongBars", options.VolatilityLongBars, 2, 100_000);
        Range(errors, "MaxPredictionAgeSeconds", options.MaxPredictionAgeSeconds, 1, 7 * 86_400);
        Range(errors, "RecentDecisions", options.RecentDecisions, 1, 100_000);
        if (options.VolatilityShortBars >= options.VolatilityLongBars)
        {
            errors.Add($"{S}:VolatilityShortBars ({options.VolatilityShortBars}) must be below VolatilityLongBars ({options.VolatilityLongBars}).");
        }

        if (!double.IsFinite(options.GateTemperature) || options.GateTemperature <= 0 || options.GateTemperature > 100)
        {
            errors.Add($"{S}:GateTemperature must be above 0 and at most 100 (got {options.GateTemperature}).");
        }

        if (options.LongFraction is <= 0 or > 1)
        {
            errors.Add($"{S}:LongFraction must be above 0 and at most 1 (got {options.LongFraction}).");
        }

        if (options.ShortEnabled && options.ShortFraction is <= 0 or > 1)
        {
            errors.Add($"{S}:ShortFraction must be above 0 and at most 1 when ShortEnabled (got {options.ShortFraction}).");
        }

        if (!double.IsFinite(options.AttributionFeeRate) || options.AttributionFeeRate is < 0 or >= 0.1)
        {
            errors.Add($"{S}:AttributionFeeRate must be a fraction in [0, 0.1) (0.001 = 0.1 %; got {options.AttributionFeeRate}).");
        }

        if (options.Gate is not (OrchestratorOptions.TrainedGateName or RecentAccuracyGate.GateName))
        {
            errors.Add($"{S}:Gate must be '{OrchestratorOptions.TrainedGateName}' or '{RecentAccuracyGate.GateName}' (got '{options.Gate}').");
        }

        if (options.Symbols.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add($"{S}:Symbols has an empty entry.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Range(List<string> errors, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add($"{OrchestratorOptions.SectionName}:{setting} must be from {min} to {max} (got {value}).");
        }
    }
}

/// <summary>The one rule both the options and the threshold store check.</summary>
public static class ThresholdRules
{
    /// <summary>Null when valid; else why not: both finite, in 0..1, exit at most entry.</summary>
    public static string? Check(double entry, double exit)
    {
        if (!double.IsFinite(entry) || entry is < 0 or > 1)
        {
            return $"the entry threshold must be from 0 to 1 (got {entry}).";
        }

        if (!double.IsFinite(exit) || exit is < 0 or > 1)
        {
            return $"the exit threshold must be from 0 to 1 (got {exit}).";
        }

        // Exits must not be harder than entries: a position the orchestrator was sure enough to open must be closable
        // at least as easily, or it would hold positions it no longer believes in.
        return exit > entry ? $"the exit threshold ({exit}) must not be above the entry threshold ({entry})." : null;
    }
}
