using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Risk;

/// <summary>What the kill switch did.</summary>
/// <param name="FlattenOrders">Market orders sent to close positions (empty when not asked to flatten).</param>
/// <param name="StillOpen">Orders the venue did not confirm as canceled (check them by hand).</param>
/// <param name="Dust">Position remainders below the venue's step or minimum notional, which no order can close.</param>
public sealed record KillSwitchResult(
    TradingState State,
    int OrdersCanceled,
    IReadOnlyList<Order> FlattenOrders,
    IReadOnlyList<Order> StillOpen,
    IReadOnlyList<string> Dust);

/// <summary>
/// The admin kill switch: halts trading, cancels every open order and, if asked, closes every position with market
/// orders (protective, reduce-only, so they pass the Halted state). Without flattening, the positions' protective
/// stop orders stay on the venue: a position is never left without its stop. The role is checked here, on the server;
/// every attempt, allowed or not, is audited; a refused one throws <see cref="AccessDeniedException"/> and changes
/// nothing.
/// </summary>
public sealed class KillSwitch(RiskManager risk, OrderManager orders, IAuditLog audit, TimeProvider timeProvider, ILogger<KillSwitch>? logger = null)
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public async Task<KillSwitchResult> ActivateAsync(Actor actor, bool flatten, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(audit);
        var target = flatten ? "cancel orders and flatten positions" : "cancel orders";
        if (!actor.IsAdmin)
        {
            await audit.RecordAsync(actor, "kill-switch", target, risk.State.ToString(), null, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"{actor.Name} may not use the kill switch: admin role required.");
        }

        var before = risk.State.ToString();
        risk.Halt($"kill switch by {actor.Name}: {reason}", actor.Name);
        // Stops go only when the positions go too (on spot they also hold the coins the flatten orders must sell).
        var canceled = await orders.CancelAllAsync(null, $"kill switch by {actor.Name}", cancellationToken, o => flatten || !o.Intent.IsProtective).ConfigureAwait(false);

        var flattenOrders = new List<Order>();
        var dust = new List<string>();
        if (flatten)
        {
            var stamp = timeProvider.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            foreach (var position in orders.Positions.Snapshot().Positions.Where(p => !p.IsFlat))
            {
                var rules = orders.Rules.Get(position.Symbol);
                var quantity = OrderValidator.FloorToStep(Math.Abs(position.Quantity), rules.StepSize);
                var price = orders.Positions.LastPrice(position.Symbol) ?? position.MarkPrice;
                if (quantity < rules.MinQuantity || quantity * price < rules.MinNotional || quantity == 0)
                {
                    dust.Add($"{position.Symbol}: {position.Quantity} is below the venue minimum and stays");
                    continue;
                }

                var intent = new OrderIntent(
                    $"kill-switch:{position.Symbol}:{stamp}",
                    position.Symbol,
                    position.Quantity > 0 ? OrderSide.Sell : OrderSide.Buy,
                    OrderType.Market,
                    quantity)
                {
                    ReduceOnly = true,
                    IsProtective = true,
                    Source = "kill-switch",
                    Reason = $"flatten by {actor.Name}: {reason}",
                };
                flattenOrders.Add((await orders.SubmitAsync(intent, cancellationToken).ConfigureAwait(false)).Order);
            }
        }

        var stillOpen = orders.GetOpenOrders().Where(o => !o.Intent.IsProtective).ToList();
        RiskLog.KillSwitch(_logger, actor.Name, canceled, flattenOrders.Count, reason);
        var after = $"Halted; {canceled} orders canceled; {flattenOrders.Count} flatten orders; {stillOpen.Count} still open";
        await audit.RecordAsync(actor, "kill-switch", target, before, after, allowed: true, cancellationToken).ConfigureAwait(false);
        return new KillSwitchResult(risk.State, canceled, flattenOrders, stillOpen, dust);
    }
}
