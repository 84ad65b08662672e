using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// How the RL trading environment runs (docs/rl.md). Money, venue and risk come from <see cref="Backtest"/>, the
/// backtester's own options, so an episode and a backtest with the same settings fill, charge and limit identically.
/// </summary>
public sealed class TradingEnvironmentOptions
{
    public const string SectionName = "Trading:Reinforcement:Environment";

    /// <summary>
    /// Initial cash, currency, paper venue (fees, slippage, partial fills, latency, shorting), risk settings, symbol
    /// rules and the entry cash buffer, as for a backtest. <see cref="BacktestOptions.TradingStart"/> is the earliest
    /// first decision of an episode and <see cref="BacktestOptions.End"/> drops bars opening at or after it;
    /// <see cref="BacktestOptions.Symbols"/> and <see cref="BacktestOptions.ProgressEveryBars"/> are not used.
    /// </summary>
    public BacktestOptions Backtest { get; set; } = new();

    /// <summary>The traded symbol; the other symbols in the bars only feed the venue, the risk manager and the observation.</summary>
    public string PrimarySymbol { get; set; } = string.Empty;

    /// <summary>The agent decides at every close of this timeframe (the bars' own timeframe or a longer one).</summary>
    public Timeframe StepTimeframe { get; set; } = Timeframe.OneMinute;

    /// <summary>Buy targets a long of this fraction of equity (the executor and risk manager may size it down).</summary>
    public decimal LongFraction { get; set; } = 1m;

    /// <summary>Sell targets a short instead of flat. Needs a venue that allows short selling (Backtest:Paper:AllowShortSelling).</summary>
    public bool EnableShort { get; set; }

    /// <summary>Sell targets a short of this fraction of equity when <see cref="EnableShort"/> is on.</summary>
    public decimal ShortFraction { get; set; } = 1m;

    /// <summary>Bar times fed to the venue, risk manager and observation source before an episode's first decision.</summary>
    public int WarmupBars { get; set; } = 64;

    /// <summary>Steps per episode; null runs to the end of the data.</summary>
    public int? MaxSteps { get; set; }

    /// <summary>End the episode when the risk manager halts trading (entries and exits by target are then refused).</summary>
    public bool EndOnRiskHalt { get; set; } = true;

    /// <summary>Source name of the targets (part of every intent id, so of the client order ids).</summary>
    public string Source { get; set; } = "rl";

    /// <summary>Bars in trade are divided by this in the observation (100: one unit per 100 steps).</summary>
    public double BarsInTradeScale { get; set; } = 100;

    public RewardOptions Reward { get; set; } = new();

    /// <summary>Every problem with the settings, each naming its setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        const string p = SectionName + ":";
        if (Backtest is null)
        {
            errors.Add(p + "Backtest must be set.");
            return errors;
        }

        if (string.IsNullOrWhiteSpace(PrimarySymbol))
        {
            errors.Add(p + "PrimarySymbol must be set.");
        }
        else if (!Backtest.SymbolRules.Any(r => string.Equals(r.Symbol, PrimarySymbol, StringComparison.Ordinal)))
        {
            errors.Add($"{p}PrimarySymbol '{PrimarySymbol}' has no symbol rules in Backtest:SymbolRules (known: {string.Join(", ", Backtest.SymbolRules.Select(r => r.Symbol))}).");
        }

        if (!Enum.IsDefined(StepTimeframe))
        {
            errors.Add(p + "StepTimeframe must be 1s, 1m, 1h or 1d.");
        }

        if (Backtest.InitialCash <= 0)
        {
            errors.Add($"{p}Backtest:InitialCash must be positive (is {Backtest.InitialCash}).");
        }

        if (LongFraction is <= 0m or > 1m)
        {
            errors.Add($"{p}LongFraction must be in (0, 1] (is {LongFraction}).");
        }
        else if (Backtest.Paper.AllowShortSelling && LongFraction * (1 + Backtest.Paper.TakerFeeRate) >= 1m)
        {
            // The executor leaves no cash buffer on a venue that allows shorting, but the paper venue still pays a
            // long in cash: a long of all equity plus the fee would be rejected on every Buy from flat.
            errors.Add($"{p}LongFraction {LongFraction} leaves no cash for the taker fee on a venue that allows short selling (longs are paid in cash there too): use less than 1 / (1 + Backtest:Paper:TakerFeeRate), e.g. 0.95.");
        }

        if (EnableShort && !Backtest.Paper.AllowShortSelling)
        {
            errors.Add(p + "EnableShort needs a venue that allows short selling (Backtest:Paper:AllowShortSelling); spot is long/flat.");
        }

        if (EnableShort && ShortFraction is <= 0m or > 1m)
        {
            errors.Add($"{p}ShortFraction must be in (0, 1] (is {ShortFraction}).");
        }

        if (WarmupBars < 0)
        {
            errors.Add($"{p}WarmupBars must not be negative (is {WarmupBars}).");
        }

        if (MaxSteps is < 1)
        {
            errors.Add($"{p}MaxSteps must be at least 1 when set (is {MaxSteps}).");
        }

        if (string.IsNullOrWhiteSpace(Source) || Source.Contains(':', StringComparison.Ordinal))
        {
            errors.Add(p + "Source must be set and must not contain ':' (it is part of the intent ids).");
        }

        if (!(BarsInTradeScale > 0) || !double.IsFinite(BarsInTradeScale))
        {
            errors.Add($"{p}BarsInTradeScale must be positive (is {BarsInTradeScale}).");
        }

        if (Reward is null)
        {
            errors.Add(p + "Reward must be set.");
        }
        else
        {
            NotNegative(errors, p + "Reward:DrawdownPenalty", Reward.DrawdownPenalty);
            NotNegative(errors, p + "Reward:VolatilityPenalty", Reward.VolatilityPenalty);
            NotNegative(errors, p + "Reward:TradePenalty", Reward.TradePenalty);
        }

        return errors;
    }

    private static void NotNegative(List<string> errors, string setting, double value)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            errors.Add($"{setting} must be a finite number of at least 0 (is {value}).");
        }
    }
}

/// <summary>
/// The reward's risk adjustment (docs/rl.md): reward = pnl - DrawdownPenalty x drawdown increase - VolatilityPenalty
/// x step return² - TradePenalty x orders sent by the action. 0 switches a term off.
/// </summary>
public sealed class RewardOptions
{
    /// <summary>λ_dd: cost per unit of new drawdown (drawdown = 1 - equity / episode peak at decision points).</summary>
    public double DrawdownPenalty { get; set; } = 0.5;

    /// <summary>λ_vol: cost per unit of squared step return (equity / previous equity - 1).</summary>
    public double VolatilityPenalty { get; set; }

    /// <summary>λ_trade: cost per order the action sent, on top of the fees the venue charges.</summary>
    public double TradePenalty { get; set; }
}
