using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Execution;

/// <summary>Source-generated log messages of the execution side (templates, never interpolation; no secrets).</summary>
internal static partial class ExecutionLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Order {ClientOrderId} {Symbol} {Side} {Type} {Quantity}: {From} -> {To} ({Reason})")]
    public static partial void OrderChanged(ILogger logger, string clientOrderId, string symbol, OrderSide side, OrderType type, decimal quantity, OrderStatus? from, OrderStatus to, string reason);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Intent {IntentId} already has order {ClientOrderId}: not sent again")]
    public static partial void DuplicateIntent(ILogger logger, string intentId, string clientOrderId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Duplicate fill {Venue}/{TradeId} ignored")]
    public static partial void DuplicateFill(ILogger logger, string venue, string tradeId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Order {ClientOrderId}: refused transition {From} -> {To} reported by the venue ({Reason})")]
    public static partial void IllegalTransition(ILogger logger, string clientOrderId, OrderStatus from, OrderStatus to, string reason);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Warning, Message = "Placement of {ClientOrderId} failed (attempt {Attempt} of {Attempts}): {Error}")]
    public static partial void PlacementFailed(ILogger logger, string clientOrderId, int attempt, int attempts, string error);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Error, Message = "Order {ClientOrderId}: outcome unknown after {Attempts} attempts; left Submitted until reconciliation")]
    public static partial void OutcomeUnknown(ILogger logger, string clientOrderId, int attempts);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Fill {Venue}/{TradeId} for unknown order {ClientOrderId} on {Symbol}: applied to the position")]
    public static partial void UnknownOrderFill(ILogger logger, string venue, string tradeId, string clientOrderId, string symbol);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Error, Message = "Order {ClientOrderId}: filled {Filled} exceeds quantity {Quantity}")]
    public static partial void Overfill(ILogger logger, string clientOrderId, decimal filled, decimal quantity);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Order {ClientOrderId}: fill {TradeId} arrived after the order was {Status}; applied to the position")]
    public static partial void LateFill(ILogger logger, string clientOrderId, string tradeId, OrderStatus status);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "Reconciled with {Venue}: {OrdersChecked} open orders checked, {OrdersChanged} changed, {FillsRecovered} fills recovered, {ForeignOrders} unknown open orders on the venue")]
    public static partial void Reconciled(ILogger logger, string venue, int ordersChecked, int ordersChanged, int fillsRecovered, int foreignOrders);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Balance mismatch on {Venue} for {Asset}: venue {VenueAmount}, local {LocalAmount}")]
    public static partial void BalanceMismatch(ILogger logger, string venue, string asset, decimal venueAmount, decimal localAmount);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Error, Message = "Fill {Venue}/{TradeId} on {Symbol} cannot be applied: {Error}")]
    public static partial void FillNotApplied(ILogger logger, string venue, string tradeId, string symbol, string error);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Cancel of {ClientOrderId} failed: {Error}")]
    public static partial void CancelFailed(ILogger logger, string clientOrderId, string error);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Information, Message = "First live start on {Venue}: starting cash {Cash} {Currency} taken from the venue's balances (Paper:InitialCash {InitialCash} not used)")]
    public static partial void StartingCashFromVenue(ILogger logger, string venue, decimal cash, string currency, decimal initialCash);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Warning, Message = "First live start on {Venue}: the account also holds {Amount} {Asset}; not adopted as a position (entry price unknown), left alone")]
    public static partial void UnmanagedHolding(ILogger logger, string venue, string asset, decimal amount);
}
