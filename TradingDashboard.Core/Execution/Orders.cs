namespace TradingDashboard.Core.Execution;

/// <summary>
/// What a caller wants traded: the command that becomes at most one order. <see cref="IntentId"/> is the idempotency
/// key: the same intent submitted twice (a retry, a restart replaying the same bar) never creates a second order.
/// Quantities and prices are decimal; the order manager rounds them to the venue's rules before anything is sent.
/// </summary>
/// <param name="IntentId">Caller-chosen, unique per decision (e.g. "ma-cross:ETHUSDT:1700000000000:entry").</param>
/// <param name="LimitPrice">Required for Limit and StopLimit, absent otherwise.</param>
/// <param name="StopPrice">Required for StopMarket and StopLimit, absent otherwise.</param>
public sealed record OrderIntent(
    string IntentId,
    string Symbol,
    OrderSide Side,
    OrderType Type,
    decimal Quantity,
    decimal? LimitPrice = null,
    decimal? StopPrice = null,
    TimeInForce TimeInForce = TimeInForce.Gtc)
{
    /// <summary>The order may only reduce the position (never open or grow one, never flip it).</summary>
    public bool ReduceOnly { get; init; }

    /// <summary>
    /// A protective exit (stop-loss trigger, kill-switch flatten). Protective orders are the only ones the risk
    /// manager lets through while trading is Halted; they are always reduce-only.
    /// </summary>
    public bool IsProtective { get; init; }

    /// <summary>
    /// The stop-loss price the position opened by this order will get. The risk manager sizes risk per trade from the
    /// distance between the entry price and this price; entries without it are denied when a stop is required.
    /// </summary>
    public decimal? StopLossPrice { get; init; }

    /// <summary>Who produced it: a strategy or expert name, "stop-loss", "kill-switch", "manual".</summary>
    public string Source { get; init; } = "manual";

    /// <summary>Why, in words, for the order's history and trades.csv.</summary>
    public string Reason { get; init; } = string.Empty;
}

/// <summary>
/// Immutable snapshot of one order. Every change produces a new snapshot and an <see cref="OrderEvent"/>.
/// </summary>
/// <param name="Intent">The intent as sent to the venue, after rounding to the venue's rules.</param>
/// <param name="AveragePrice">Quantity-weighted average fill price; 0 while nothing has filled.</param>
/// <param name="StatusReason">Reason given with the latest status change.</param>
public sealed record Order(
    string ClientOrderId,
    OrderIntent Intent,
    string Venue,
    OrderStatus Status,
    decimal FilledQuantity,
    decimal AveragePrice,
    string? VenueOrderId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string StatusReason)
{
    public string IntentId => Intent.IntentId;

    public string Symbol => Intent.Symbol;

    public OrderSide Side => Intent.Side;

    public OrderType Type => Intent.Type;

    public decimal Quantity => Intent.Quantity;

    public decimal RemainingQuantity => Math.Max(0m, Intent.Quantity - FilledQuantity);

    public bool IsOpen => Status.IsOpen();
}

/// <summary>One state change of an order, with its reason and time. Never changes after it is made.</summary>
/// <param name="Sequence">Order of the event within the order manager (1, 2, 3, ... over all orders).</param>
/// <param name="From">Previous status; null for the creation event.</param>
/// <param name="TradeId">The venue trade id when the change was caused by a fill.</param>
public sealed record OrderEvent(
    long Sequence,
    string ClientOrderId,
    OrderStatus? From,
    OrderStatus To,
    string Reason,
    DateTimeOffset Time,
    string? TradeId = null);

/// <summary>
/// One execution reported by a venue. <see cref="Venue"/> plus <see cref="TradeId"/> identify it: a fill seen twice
/// (stream and REST, a resent message, a reconciliation after restart) is applied once.
/// </summary>
/// <param name="Fee">Commission, in <see cref="FeeAsset"/> (the quote asset for the paper exchange).</param>
public sealed record Fill(
    string Venue,
    string TradeId,
    string ClientOrderId,
    string Symbol,
    OrderSide Side,
    decimal Quantity,
    decimal Price,
    decimal Fee,
    string FeeAsset,
    bool IsMaker,
    DateTimeOffset Time)
{
    public decimal Notional => Quantity * Price;
}
