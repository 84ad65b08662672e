using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Execution;

/// <summary>The outcome of a manual order: the risk decision and, when allowed, the order.</summary>
public sealed record ManualOrderResult(RiskDecision Risk, Order? Order, bool IsDuplicate);

/// <summary>
/// Manual order entry for the dashboard: admin only (checked here, on the server), every attempt audited, and every
/// order through the same risk checks as the experts' orders. The caller supplies the intent id (e.g. a form token),
/// so a double submit of the confirmation step never places two orders.
/// </summary>
public sealed class ManualOrders(OrderManager orders, RiskManager risk, IAuditLog audit)
{
    public async Task<ManualOrderResult> SubmitAsync(Actor actor, OrderIntent intent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(intent);
        var described = $"{intent.Side} {intent.Quantity} {intent.Symbol} {intent.Type}{(intent.LimitPrice is { } l ? $" limit {l}" : string.Empty)}{(intent.StopPrice is { } s ? $" stop {s}" : string.Empty)}";
        if (!actor.IsAdmin)
        {
            await audit.RecordAsync(actor, "manual-order", intent.Symbol, null, described, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not place orders: admin role required.");
        }

        var manual = intent with { Source = "manual", Reason = string.IsNullOrWhiteSpace(intent.Reason) ? $"manual order by {actor.Name}" : $"{intent.Reason} (by {actor.Name})" };
        var rules = orders.Rules.TryGet(intent.Symbol, out var known) ? known : await orders.Venue.GetSymbolRulesAsync(intent.Symbol, cancellationToken).ConfigureAwait(false);
        var reference = orders.Positions.LastPrice(intent.Symbol) ?? intent.LimitPrice ?? intent.StopPrice ?? 0m;
        var decision = risk.Evaluate(manual, new RiskContext(orders.Positions.Snapshot(), orders.GetOpenOrders(), rules, reference));
        if (!decision.IsAllowed)
        {
            await audit.RecordAsync(actor, "manual-order", intent.Symbol, null, $"{described}: denied by risk: {string.Join("; ", decision.Reasons)}", allowed: true, cancellationToken).ConfigureAwait(false);
            return new ManualOrderResult(decision, null, false);
        }

        var submission = await orders.SubmitAsync(decision.Approved!, cancellationToken).ConfigureAwait(false);
        await audit.RecordAsync(actor, "manual-order", intent.Symbol, null, $"{described}: order {submission.Order.ClientOrderId} {submission.Order.Status}", allowed: true, cancellationToken).ConfigureAwait(false);
        return new ManualOrderResult(decision, submission.Order, submission.IsDuplicate);
    }

    /// <summary>
    /// Cancels one open order for a person: admin only (checked here, on the server), every attempt audited. The
    /// system's own cancels (risk, kill switch, executor) keep calling <see cref="OrderManager.CancelAsync"/> directly.
    /// True when the venue canceled it; false when it was already closed, unknown or the venue refused.
    /// </summary>
    public async Task<bool> CancelAsync(Actor actor, string clientOrderId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientOrderId);
        var order = orders.GetOrder(clientOrderId);
        var target = order?.Symbol ?? clientOrderId;
        var before = order is null ? "unknown order" : $"{clientOrderId} {order.Status}";
        if (!actor.IsAdmin)
        {
            await audit.RecordAsync(actor, "cancel-order", target, before, $"cancel {clientOrderId} refused: {reason}", allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not cancel orders: admin role required.");
        }

        var why = string.IsNullOrWhiteSpace(reason) ? $"manual cancel by {actor.Name}" : $"{reason} (by {actor.Name})";
        var canceled = await orders.CancelAsync(clientOrderId, why, cancellationToken).ConfigureAwait(false);
        var after = orders.GetOrder(clientOrderId) is { } now ? $"{clientOrderId} {now.Status}" : "unknown order";
        await audit.RecordAsync(actor, "cancel-order", target, before, canceled ? after : $"{after}: not canceled", allowed: true, cancellationToken).ConfigureAwait(false);
        return canceled;
    }
}
