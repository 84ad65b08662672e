using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Strategies;

/// <summary>The "Trading:Strategies:Rule" section: the live rule expert stage ("strategy-rule").</summary>
public sealed class RuleStrategyOptions
{
    public const string SectionName = "Trading:Strategies:Rule";

    /// <summary>Start the stage with the host; off by default (start it from the System page).</summary>
    public bool AutoStart { get; set; }

    /// <summary>Candle timeframe of the primary symbol the expert decides on (1s, 1m, 1h or 1d).</summary>
    public string Timeframe { get; set; } = "1m";

    /// <summary>Williams pivot level whose breaks are traded.</summary>
    public int Level { get; set; } = 2;

    /// <summary>ATR period for ATR-based stops.</summary>
    public int AtrPeriod { get; set; } = 14;

    /// <summary>Closed candles from the candle cache run through the expert (without trading) before it goes live.</summary>
    public int WarmupBars { get; set; } = 2000;
}

public sealed class RuleStrategyOptionsValidator : IValidateOptions<RuleStrategyOptions>
{
    public ValidateOptionsResult Validate(string? name, RuleStrategyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!TimeframeExtensions.TryParse(options.Timeframe, out _))
        {
            errors.Add($"{RuleStrategyOptions.SectionName}:Timeframe '{options.Timeframe}' is not one of 1s, 1m, 1h, 1d.");
        }

        if (options.Level is < 1 or > Pivots.PivotSettings.Levels)
        {
            errors.Add($"{RuleStrategyOptions.SectionName}:Level must be from 1 to {Pivots.PivotSettings.Levels} (got {options.Level}).");
        }

        if (options.AtrPeriod is < 1 or > 1000)
        {
            errors.Add($"{RuleStrategyOptions.SectionName}:AtrPeriod must be from 1 to 1000 (got {options.AtrPeriod}).");
        }

        if (options.WarmupBars is < 0 or > 1_000_000)
        {
            errors.Add($"{RuleStrategyOptions.SectionName}:WarmupBars must be from 0 to 1000000 (got {options.WarmupBars}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
