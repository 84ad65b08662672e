using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Execution;

/// <summary>Rejects a bad "Trading:Execution" section at start, naming the setting.</summary>
public sealed class ExecutionOptionsValidator : IValidateOptions<ExecutionOptions>
{
    public ValidateOptionsResult Validate(string? name, ExecutionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string p = "Trading:Execution:";
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add(p + "Mode must be Paper or Live.");
        }

        if (!ExecutionOptions.KnownVenues.Contains(options.Venue, StringComparer.Ordinal))
        {
            errors.Add($"{p}Venue '{options.Venue}' is unknown (expected Paper, Binance or Mexc).");
        }

        if (options.Mode == TradingMode.Live && options.Venue == "Paper")
        {
            errors.Add(p + "Venue must be Binance or Mexc when Trading:Execution:Mode is Live (the paper exchange trades no real money).");
        }

        if (string.IsNullOrWhiteSpace(options.AccountCurrency))
        {
            errors.Add(p + "AccountCurrency must be set (e.g. USDT).");
        }

        if (options.PlacementAttempts is < 1 or > 10)
        {
            errors.Add(p + "PlacementAttempts must be between 1 and 10.");
        }

        if (options.RetryBaseDelayMs is < 0 or > 60_000)
        {
            errors.Add(p + "RetryBaseDelayMs must be between 0 and 60000.");
        }

        if (options.EntryCashBuffer is < 0m or >= 0.5m)
        {
            errors.Add(p + "EntryCashBuffer must be in [0, 0.5).");
        }

        var paper = options.Paper;
        if (paper.InitialCash <= 0)
        {
            errors.Add(p + "Paper:InitialCash must be positive.");
        }

        if (paper.MakerFeeRate is < 0m or >= 0.1m || paper.TakerFeeRate is < 0m or >= 0.1m)
        {
            errors.Add(p + "Paper:MakerFeeRate and Paper:TakerFeeRate must be fractions in [0, 0.1) (0.001 = 0.1 %).");
        }

        if (paper.SlippageBps < 0 || paper.SizeImpactBps < 0)
        {
            errors.Add(p + "Paper:SlippageBps and Paper:SizeImpactBps must not be negative.");
        }

        if (paper.MaxVolumeParticipation is <= 0m or > 1m)
        {
            errors.Add(p + "Paper:MaxVolumeParticipation must be in (0, 1].");
        }

        if (paper.LatencyMs is < 0 or > 60_000)
        {
            errors.Add(p + "Paper:LatencyMs must be between 0 and 60000.");
        }

        if (!TimeframeExtensions.TryParse(paper.MatchTimeframe, out var tf) || tf is not (Timeframe.OneSecond or Timeframe.OneMinute))
        {
            errors.Add(p + "Paper:MatchTimeframe must be 1s or 1m.");
        }

        if (options.Venue == "Paper" && options.SymbolRules.Count == 0)
        {
            errors.Add(p + "SymbolRules must list the venue rules of every traded symbol when Venue is Paper.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.SymbolRules.Count; i++)
        {
            var rules = options.SymbolRules[i].ToRules();
            if (rules.Problem() is { } problem)
            {
                errors.Add($"{p}SymbolRules:{i}: {problem}.");
            }

            if (!seen.Add(rules.Symbol))
            {
                errors.Add($"{p}SymbolRules:{i}: {rules.Symbol} is listed twice.");
            }

            if (!string.Equals(rules.QuoteAsset, options.AccountCurrency, StringComparison.Ordinal))
            {
                errors.Add($"{p}SymbolRules:{i}: quote asset {rules.QuoteAsset} of {rules.Symbol} differs from Trading:Execution:AccountCurrency {options.AccountCurrency}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
