using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Ui;

/// <summary>
/// The confirmation step of a manual order: the intent as the venue will get it (rounded to its tick and step) and the
/// risk manager's decision on it, computed before anything is sent.
/// </summary>
/// <param name="Validation">The venue-rule check; <see cref="OrderValidationResult.Normalized"/> is the rounded order.</param>
/// <param name="Risk">The pre-trade risk decision on the rounded order; null when the order already fails the venue rules.</param>
/// <param name="ReferencePrice">Last price of the symbol (prices a market order); null when none was seen yet.</param>
public sealed record ManualOrderPreview(OrderIntent Requested, OrderValidationResult Validation, RiskDecision? Risk, decimal? ReferencePrice)
{
    public OrderIntent Rounded => Validation.Normalized;

    /// <summary>What would be sent: the risk-approved (possibly resized) intent, or the rounded one.</summary>
    public OrderIntent Final => Risk?.Approved ?? Validation.Normalized;

    public bool CanSubmit => Validation.IsValid && Risk is { IsAllowed: true };
}

public static class ManualOrderTicket
{
    /// <summary>
    /// Rounds <paramref name="intent"/> to the symbol's venue rules and runs the risk check on the result, without
    /// submitting. <see cref="ManualOrders.SubmitAsync"/> checks the role and the risk again when the order is sent.
    /// </summary>
    public static ManualOrderPreview Preview(OrderManager orders, RiskManager risk, OrderIntent intent)
    {
        ArgumentNullException.ThrowIfNull(orders);
        ArgumentNullException.ThrowIfNull(risk);
        ArgumentNullException.ThrowIfNull(intent);
        var reference = orders.Positions.LastPrice(intent.Symbol);
        if (!orders.Rules.TryGet(intent.Symbol, out var rules))
        {
            return new ManualOrderPreview(intent, OrderValidationResult.Invalid(intent, RejectCodes.UnknownSymbol, $"no venue rules for {intent.Symbol}"), null, reference);
        }

        var validation = OrderValidator.Validate(intent, rules, reference);
        if (!validation.IsValid)
        {
            return new ManualOrderPreview(intent, validation, null, reference);
        }

        var rounded = validation.Normalized;
        var price = reference ?? rounded.LimitPrice ?? rounded.StopPrice ?? 0m;
        var decision = risk.Evaluate(rounded, new RiskContext(orders.Positions.Snapshot(), orders.GetOpenOrders(), rules, price));
        return new ManualOrderPreview(intent, validation, decision, reference);
    }
}
