using Microsoft.Extensions.Options;

namespace TradingDashboard.Core.Risk;

/// <summary>The "Trading:Risk" section. Money limits are in the account currency; fractions are of equity (0.2 = 20 %).</summary>
public sealed class RiskOptions
{
    public const string SectionName = "Trading:Risk";

    /// <summary>Largest position value per symbol (|quantity| x price, open orders included).</summary>
    public decimal MaxPositionNotionalPerSymbol { get; set; } = 5_000m;

    /// <summary>Largest total of |position values| over all symbols, open orders included.</summary>
    public decimal MaxTotalNotional { get; set; } = 10_000m;

    /// <summary>Largest gross exposure / equity (1 = no leverage).</summary>
    public decimal MaxLeverage { get; set; } = 1m;

    /// <summary>Equity fraction lost if an entry's stop-loss is hit: size = equity x fraction / |entry - stop|.</summary>
    public decimal RiskPerTradeFraction { get; set; } = 0.01m;

    public int MaxOpenOrders { get; set; } = 10;

    /// <summary>Entries without a stop-loss price are denied (every position gets a stop).</summary>
    public bool RequireStopLoss { get; set; } = true;

    /// <summary>Drawdown from the equity peak at which trading is Halted until an admin resumes it.</summary>
    public decimal MaxDrawdown { get; set; } = 0.20m;

    /// <summary>Loss since the start of the UTC day (fraction of that day's starting equity) at which trading is Reducing for the rest of the day.</summary>
    public decimal DailyLossLimit { get; set; } = 0.05m;

    /// <summary>Share of a limit at which a warning alert is raised (0.8 = at 80 % of the limit).</summary>
    public decimal WarnAtFraction { get; set; } = 0.8m;

    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public StopLossOptions StopLoss { get; set; } = new();

    public LiveRampOptions LiveRamp { get; set; } = new();
}

/// <summary>"Trading:Risk:CircuitBreaker": a price move over MaxMoveFraction within WindowSeconds halts new entries for CooldownSeconds.</summary>
public sealed class CircuitBreakerOptions
{
    public decimal MaxMoveFraction { get; set; } = 0.05m;

    public int WindowSeconds { get; set; } = 60;

    public int CooldownSeconds { get; set; } = 300;
}

public enum StopLossMode
{
    /// <summary>A fixed fraction of the entry price.</summary>
    Fixed,

    /// <summary>AtrMultiplier x ATR from the entry (falls back to Fixed while no ATR is known).</summary>
    Atr,

    /// <summary>Just beyond the last pivot (low for a long, high for a short), less a buffer (falls back to Fixed without a pivot).</summary>
    Pivot,
}

/// <summary>"Trading:Risk:StopLoss".</summary>
public sealed class StopLossOptions
{
    public StopLossMode Mode { get; set; } = StopLossMode.Atr;

    public decimal FixedFraction { get; set; } = 0.02m;

    public decimal AtrMultiplier { get; set; } = 2m;

    /// <summary>Buffer beyond the pivot, as a fraction of the pivot price.</summary>
    public decimal PivotBufferFraction { get; set; } = 0.001m;

    /// <summary>Move the stop behind the best price since entry, keeping the initial distance.</summary>
    public bool Trailing { get; set; } = true;

    /// <summary>Place stops on the venue where it supports stop orders; otherwise (or when false) watch them locally on every price.</summary>
    public bool PlaceOnVenue { get; set; } = true;

    /// <summary>
    /// A trailing stop resting on the venue is replaced only when it has moved by at least this fraction of its
    /// price (0.001 = 0.1 %): fewer cancel/replace round trips and less of the venue's rate limit.
    /// </summary>
    public decimal MinTrailStepFraction { get; set; } = 0.001m;
}

/// <summary>
/// "Trading:Risk:LiveRamp": in Live mode, the largest notional per order and in total, small by default. Only an
/// admin raises them at run time (audited, persisted); these settings are the values used until then.
/// </summary>
public sealed class LiveRampOptions
{
    public decimal MaxOrderNotional { get; set; } = 50m;

    public decimal MaxTotalNotional { get; set; } = 200m;
}

/// <summary>Rejects a bad "Trading:Risk" section at start, naming the setting.</summary>
public sealed class RiskOptionsValidator : IValidateOptions<RiskOptions>
{
    public ValidateOptionsResult Validate(string? name, RiskOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string p = "Trading:Risk:";
        Positive(errors, p + "MaxPositionNotionalPerSymbol", options.MaxPositionNotionalPerSymbol);
        Positive(errors, p + "MaxTotalNotional", options.MaxTotalNotional);
        Positive(errors, p + "MaxLeverage", options.MaxLeverage);
        Fraction(errors, p + "RiskPerTradeFraction", options.RiskPerTradeFraction);
        Fraction(errors, p + "MaxDrawdown", options.MaxDrawdown);
        Fraction(errors, p + "DailyLossLimit", options.DailyLossLimit);
        Fraction(errors, p + "WarnAtFraction", options.WarnAtFraction);
        if (options.MaxOpenOrders < 1)
        {
            errors.Add(p + "MaxOpenOrders must be at least 1.");
        }

        if (options.MaxPositionNotionalPerSymbol > options.MaxTotalNotional)
        {
            errors.Add(p + "MaxPositionNotionalPerSymbol must not exceed Trading:Risk:MaxTotalNotional.");
        }

        var cb = options.CircuitBreaker;
        Fraction(errors, p + "CircuitBreaker:MaxMoveFraction", cb.MaxMoveFraction);
        if (cb.WindowSeconds < 1)
        {
            errors.Add(p + "CircuitBreaker:WindowSeconds must be at least 1.");
        }

        if (cb.CooldownSeconds < 0)
        {
            errors.Add(p + "CircuitBreaker:CooldownSeconds must not be negative.");
        }

        var sl = options.StopLoss;
        if (!Enum.IsDefined(sl.Mode))
        {
            errors.Add(p + "StopLoss:Mode must be Fixed, Atr or Pivot.");
        }

        Fraction(errors, p + "StopLoss:FixedFraction", sl.FixedFraction);
        Positive(errors, p + "StopLoss:AtrMultiplier", sl.AtrMultiplier);
        if (sl.PivotBufferFraction is < 0m or >= 1m)
        {
            errors.Add(p + "StopLoss:PivotBufferFraction must be in [0, 1).");
        }

        if (sl.MinTrailStepFraction is < 0m or >= 0.1m)
        {
            errors.Add(p + "StopLoss:MinTrailStepFraction must be in [0, 0.1).");
        }

        Positive(errors, p + "LiveRamp:MaxOrderNotional", options.LiveRamp.MaxOrderNotional);
        Positive(errors, p + "LiveRamp:MaxTotalNotional", options.LiveRamp.MaxTotalNotional);
        if (options.LiveRamp.MaxOrderNotional > options.LiveRamp.MaxTotalNotional)
        {
            errors.Add(p + "LiveRamp:MaxOrderNotional must not exceed Trading:Risk:LiveRamp:MaxTotalNotional.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string setting, decimal value)
    {
        if (value <= 0)
        {
            errors.Add($"{setting} must be positive (is {value}).");
        }
    }

    private static void Fraction(List<string> errors, string setting, decimal value)
    {
        if (value is <= 0m or >= 1m)
        {
            errors.Add($"{setting} must be a fraction between 0 and 1, exclusive (is {value}).");
        }
    }
}
