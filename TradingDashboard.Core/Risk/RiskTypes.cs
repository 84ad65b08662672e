using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Risk;

/// <summary>
/// Trading state, as in nautilus_trader: Active trades normally; Reducing lets through only orders that reduce
/// exposure; Halted lets through only protective exits (stop-loss, kill-switch flatten).
/// </summary>
public enum TradingState
{
    Active,
    Reducing,
    Halted,
}

public enum RiskVerdict
{
    Approve,

    /// <summary>Approved with a smaller quantity (see <see cref="RiskDecision.Approved"/>).</summary>
    Resize,
    Deny,
}

/// <summary>
/// The risk manager's answer. It never changes the caller's intent: <see cref="Approved"/> is a new intent (the
/// original when approved as is, a resized copy, or null when denied).
/// </summary>
public sealed record RiskDecision(RiskVerdict Verdict, OrderIntent Original, OrderIntent? Approved, IReadOnlyList<string> Reasons)
{
    public bool IsAllowed => Verdict != RiskVerdict.Deny;

    public static RiskDecision Deny(OrderIntent intent, string reason) => new(RiskVerdict.Deny, intent, null, [reason]);
}

/// <summary>What the pre-trade check needs to know about the account at the moment of the check.</summary>
/// <param name="ReferencePrice">Last price of the intent's symbol (prices market orders).</param>
public sealed record RiskContext(PortfolioSnapshot Portfolio, IReadOnlyList<Order> OpenOrders, SymbolRules Rules, decimal ReferencePrice);

/// <summary>A change of trading state, with who or what caused it.</summary>
public sealed record TradingStateChange(TradingState From, TradingState To, string Reason, string Actor, DateTimeOffset Time);

/// <summary>Live-mode ceilings, raised only by an admin.</summary>
public sealed record LiveRampLimits(decimal MaxOrderNotional, decimal MaxTotalNotional);

public enum LimitStatus
{
    Ok,
    Near,
    Hit,
}

/// <summary>One limit: current value, the limit, used share (value / limit) and the room left (limit - value).</summary>
public sealed record LimitUsage(string Name, decimal Value, decimal Limit, decimal Usage, decimal Distance, LimitStatus Status);

/// <summary>Real-time risk picture for the dashboard's risk panel and /metrics.</summary>
public sealed record RiskMetricsSnapshot(
    DateTimeOffset Time,
    TradingMode Mode,
    TradingState State,
    string StateReason,
    decimal Equity,
    decimal PeakEquity,
    decimal Drawdown,
    decimal DayStartEquity,
    decimal DailyPnl,
    decimal GrossExposure,
    decimal NetExposure,
    decimal Leverage,
    int OpenOrders,
    bool CircuitBreakerTripped,
    DateTimeOffset? CircuitBreakerUntil,
    string? CircuitBreakerReason,
    LiveRampLimits? LiveRamp,
    IReadOnlyList<LimitUsage> Limits);
