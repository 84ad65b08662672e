namespace TradingDashboard.Core.Execution;

public enum OrderSide
{
    Buy,
    Sell,
}

public enum OrderType
{
    Market,
    Limit,

    /// <summary>Becomes a market order when the last price reaches the stop price (buy: at or above, sell: at or below).</summary>
    StopMarket,

    /// <summary>Becomes a limit order at the limit price when the last price reaches the stop price.</summary>
    StopLimit,
}

public enum TimeInForce
{
    /// <summary>Good till canceled.</summary>
    Gtc,

    /// <summary>Immediate or cancel: what does not fill at once is expired.</summary>
    Ioc,

    /// <summary>Fill or kill: fills completely at once or not at all (expired).</summary>
    Fok,
}

/// <summary>Order lifecycle; see <see cref="OrderStateMachine"/> for the allowed transitions.</summary>
public enum OrderStatus
{
    /// <summary>Created locally, not yet sent.</summary>
    New,

    /// <summary>Sent to the venue, no answer yet.</summary>
    Submitted,

    /// <summary>The venue holds it (resting or about to fill).</summary>
    Accepted,
    PartiallyFilled,
    Filled,
    Canceled,
    Rejected,
    Expired,
}

/// <summary>Whether orders go to a simulated venue or to a real one with real money.</summary>
public enum TradingMode
{
    Paper,
    Live,
}

public static class OrderSideExtensions
{
    public static OrderSide Opposite(this OrderSide side) => side == OrderSide.Buy ? OrderSide.Sell : OrderSide.Buy;

    /// <summary>+1 for a buy, -1 for a sell: the sign of the position change.</summary>
    public static int Sign(this OrderSide side) => side == OrderSide.Buy ? 1 : -1;

    public static bool IsTerminal(this OrderStatus status) =>
        status is OrderStatus.Filled or OrderStatus.Canceled or OrderStatus.Rejected or OrderStatus.Expired;

    public static bool IsOpen(this OrderStatus status) => !status.IsTerminal();
}
