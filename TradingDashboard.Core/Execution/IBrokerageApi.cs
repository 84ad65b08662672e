namespace TradingDashboard.Core.Execution;

/// <summary>What a venue can do; the executor adapts (e.g. watches stops locally where the venue has no stop orders).</summary>
public sealed record VenueCapabilities(bool SupportsStopMarket, bool SupportsStopLimit, bool SupportsShortSelling)
{
    /// <summary>
    /// The venue moves a resting stop order's trigger price in place (<see cref="IBrokerageApi.AmendStopPriceAsync"/>);
    /// without it a trailing stop is moved by cancel and replace. Binance and MEXC spot have no such amend.
    /// </summary>
    public bool SupportsStopAmend { get; init; }
}

/// <summary>An order as sent to a venue: already validated and rounded.</summary>
public sealed record VenueOrderRequest(
    string ClientOrderId,
    string Symbol,
    OrderSide Side,
    OrderType Type,
    TimeInForce TimeInForce,
    decimal Quantity,
    decimal? LimitPrice,
    decimal? StopPrice)
{
    public static VenueOrderRequest From(string clientOrderId, OrderIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        return new(clientOrderId, intent.Symbol, intent.Side, intent.Type, intent.TimeInForce, intent.Quantity, intent.LimitPrice, intent.StopPrice);
    }
}

public enum PlaceOrderOutcome
{
    Accepted,
    Rejected,

    /// <summary>The venue already has an order with this client order id: look it up instead of sending again.</summary>
    DuplicateClientOrderId,
}

public sealed record PlaceOrderResult(PlaceOrderOutcome Outcome, string? VenueOrderId, string? Reason)
{
    public static PlaceOrderResult Accepted(string venueOrderId) => new(PlaceOrderOutcome.Accepted, venueOrderId, null);

    public static PlaceOrderResult Rejected(string reason) => new(PlaceOrderOutcome.Rejected, null, reason);

    public static PlaceOrderResult Duplicate() => new(PlaceOrderOutcome.DuplicateClientOrderId, null, "duplicate client order id");
}

public enum CancelOrderOutcome
{
    Canceled,

    /// <summary>Too late: the order is already filled, canceled, rejected or expired.</summary>
    AlreadyClosed,
    NotFound,
}

public sealed record CancelOrderResult(CancelOrderOutcome Outcome, string? Reason);

public enum AmendOrderOutcome
{
    Amended,

    /// <summary>The venue cannot amend orders: cancel and replace instead.</summary>
    NotSupported,

    /// <summary>The venue refused this amend (e.g. the order already triggered or part-filled, or a check failed); the order is unchanged.</summary>
    Rejected,

    /// <summary>Too late: the order is already filled, canceled, rejected or expired.</summary>
    AlreadyClosed,
    NotFound,
}

public sealed record AmendOrderResult(AmendOrderOutcome Outcome, string? Reason)
{
    public static AmendOrderResult NotSupported { get; } = new(AmendOrderOutcome.NotSupported, "the venue does not amend orders");
}

/// <summary>An order as the venue sees it (query by client order id, open orders).</summary>
public sealed record VenueOrder(
    string ClientOrderId,
    string? VenueOrderId,
    string Symbol,
    OrderSide Side,
    OrderType Type,
    decimal Quantity,
    decimal? LimitPrice,
    decimal? StopPrice,
    OrderStatus Status,
    decimal FilledQuantity,
    DateTimeOffset UpdatedAt);

/// <summary>A balance in one asset: free plus locked (held by open orders) is the total.</summary>
public sealed record AssetBalance(string Asset, decimal Free, decimal Locked)
{
    public decimal Total => Free + Locked;
}

public enum ExecutionReportKind
{
    Accepted,
    Fill,
    Canceled,
    Rejected,
    Expired,
}

/// <summary>A change reported by the venue for one of our orders (user data stream, paper exchange matching).</summary>
/// <param name="Fill">Set when <see cref="Kind"/> is <see cref="ExecutionReportKind.Fill"/>.</param>
public sealed record ExecutionReport(
    string Venue,
    string ClientOrderId,
    ExecutionReportKind Kind,
    DateTimeOffset Time,
    string Reason,
    string? VenueOrderId = null,
    Fill? Fill = null);

/// <summary>
/// A transient venue failure (connection lost, 5xx, 429 or 418 rate limit). When the request may have reached the
/// venue (<see cref="MayHaveReachedVenue"/>), the order manager looks the order up by client order id before it sends
/// anything again.
/// </summary>
public sealed class VenueUnavailableException : Exception
{
    public VenueUnavailableException()
    {
    }

    public VenueUnavailableException(string message)
        : base(message)
    {
    }

    public VenueUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VenueUnavailableException(string message, bool mayHaveReachedVenue, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        MayHaveReachedVenue = mayHaveReachedVenue;
        RetryAfter = retryAfter;
    }

    /// <summary>True for timeouts and dropped connections after the request was written.</summary>
    public bool MayHaveReachedVenue { get; } = true;

    /// <summary>The venue's Retry-After, when it gave one.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>
/// The design's BrokerageAPI: one venue (paper exchange, Binance spot, MEXC spot) behind one interface, so the order
/// manager, risk manager and backtester run the same code against each.
/// <para>Contract every implementation keeps:</para>
/// <list type="bullet">
/// <item>Client order ids are unique per venue: placing an id that exists returns
/// <see cref="PlaceOrderOutcome.DuplicateClientOrderId"/> and creates nothing.</item>
/// <item>Transient failures throw <see cref="VenueUnavailableException"/> (timeouts included); definite refusals
/// return <see cref="PlaceOrderOutcome.Rejected"/> with the venue's reason.</item>
/// <item>Fills and status changes are pushed to <see cref="Subscribe"/> handlers; a fill carries the venue's trade
/// id and may be delivered more than once (the order manager de-duplicates by venue and trade id).</item>
/// </list>
/// </summary>
public interface IBrokerageApi
{
    /// <summary>Venue name stored with orders and fills: "Paper", "Binance", "Mexc".</summary>
    string Name { get; }

    VenueCapabilities Capabilities { get; }

    /// <summary>The venue's rules for a symbol (exchangeInfo for real venues, configuration for paper).</summary>
    ValueTask<SymbolRules> GetSymbolRulesAsync(string symbol, CancellationToken cancellationToken = default);

    ValueTask<PlaceOrderResult> PlaceOrderAsync(VenueOrderRequest request, CancellationToken cancellationToken = default);

    ValueTask<CancelOrderResult> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves the trigger price of an open, untriggered, unfilled stop order in place (same client order id), with the
    /// checks a new order with that price would meet. Only venues whose <see cref="VenueCapabilities.SupportsStopAmend"/>
    /// is set implement it; the default answers <see cref="AmendOrderOutcome.NotSupported"/> (cancel and replace).
    /// </summary>
    ValueTask<AmendOrderResult> AmendStopPriceAsync(string symbol, string clientOrderId, decimal stopPrice, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(AmendOrderResult.NotSupported);

    /// <summary>The order with this client order id, or null when the venue does not know it.</summary>
    ValueTask<VenueOrder?> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default);

    /// <summary>Open orders, for one symbol or all (null).</summary>
    ValueTask<IReadOnlyList<VenueOrder>> GetOpenOrdersAsync(string? symbol, CancellationToken cancellationToken = default);

    ValueTask<IReadOnlyList<AssetBalance>> GetBalancesAsync(CancellationToken cancellationToken = default);

    /// <summary>Our fills on a symbol since a time (used after a restart to catch fills missed while down).</summary>
    ValueTask<IReadOnlyList<Fill>> GetFillsAsync(string symbol, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="handler"/> for every execution report until the returned handle is disposed.</summary>
    IDisposable Subscribe(Action<ExecutionReport> handler);
}
