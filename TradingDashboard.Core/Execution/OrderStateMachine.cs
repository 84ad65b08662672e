namespace TradingDashboard.Core.Execution;

/// <summary>
/// The order lifecycle: New -> Submitted -> Accepted -> PartiallyFilled -> Filled | Canceled | Rejected | Expired.
/// <list type="bullet">
/// <item>New -> Submitted (sent) or Rejected (failed validation, never sent).</item>
/// <item>Submitted -> Accepted or Rejected (the venue's answer).</item>
/// <item>Accepted -> PartiallyFilled, Filled, Canceled, Expired.</item>
/// <item>PartiallyFilled -> PartiallyFilled (another partial fill), Filled, Canceled, Expired.</item>
/// <item>Filled, Canceled, Rejected, Expired are terminal: nothing leaves them.</item>
/// </list>
/// A fill reported for an order still Submitted is applied as Accepted first (the venue accepted it to fill it).
/// </summary>
public static class OrderStateMachine
{
    public static bool CanTransition(OrderStatus from, OrderStatus to) => from switch
    {
        OrderStatus.New => to is OrderStatus.Submitted or OrderStatus.Rejected,
        OrderStatus.Submitted => to is OrderStatus.Accepted or OrderStatus.Rejected,
        OrderStatus.Accepted => to is OrderStatus.PartiallyFilled or OrderStatus.Filled or OrderStatus.Canceled or OrderStatus.Expired,
        OrderStatus.PartiallyFilled => to is OrderStatus.PartiallyFilled or OrderStatus.Filled or OrderStatus.Canceled or OrderStatus.Expired,
        _ => false,
    };

    /// <summary>
    /// Applies a status change, returning the new snapshot and its event; refuses an illegal change with
    /// <see cref="InvalidOrderTransitionException"/> and leaves the order as it was.
    /// </summary>
    public static (Order Order, OrderEvent Event) Transition(Order order, OrderStatus to, string reason, DateTimeOffset time, long sequence, string? tradeId = null)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (!CanTransition(order.Status, to))
        {
            throw new InvalidOrderTransitionException(order.ClientOrderId, order.Status, to);
        }

        var updated = order with { Status = to, UpdatedAt = time, StatusReason = reason };
        return (updated, new OrderEvent(sequence, order.ClientOrderId, order.Status, to, reason, time, tradeId));
    }
}

/// <summary>An order status change that the lifecycle does not allow (e.g. Filled -> Canceled).</summary>
public sealed class InvalidOrderTransitionException : InvalidOperationException
{
    public InvalidOrderTransitionException()
    {
    }

    public InvalidOrderTransitionException(string message)
        : base(message)
    {
    }

    public InvalidOrderTransitionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidOrderTransitionException(string clientOrderId, OrderStatus from, OrderStatus to)
        : base($"Order {clientOrderId}: illegal transition {from} -> {to}.")
    {
        ClientOrderId = clientOrderId;
        From = from;
        To = to;
    }

    public string? ClientOrderId { get; }

    public OrderStatus From { get; }

    public OrderStatus To { get; }
}
