namespace TradingDashboard.Core.Execution;

/// <summary>What a venue's order manager persisted: its open orders, positions, cash and last event sequence.</summary>
/// <param name="Cash">Null when nothing was ever stored for this venue (first start).</param>
public sealed record ExecutionSnapshot(
    IReadOnlyList<Order> OpenOrders,
    IReadOnlyList<Position> Positions,
    decimal? Cash,
    long LastSequence);

/// <summary>
/// Durable record of orders, their state changes, fills, positions and cash, per venue. Writes that belong together
/// (a fill, the order change it causes, the new position and cash) are one transaction, so a crash never leaves a
/// fill applied to the position but not recorded, or the other way round.
/// </summary>
public interface IExecutionStore
{
    ExecutionSnapshot Load();

    /// <summary>The order created for an intent, or null: the idempotency check across restarts.</summary>
    Order? FindOrderByIntent(string intentId);

    Order? FindOrder(string clientOrderId);

    /// <summary>Whether a fill with this venue trade id is already recorded.</summary>
    bool HasFill(string tradeId);

    /// <summary>Inserts or updates the order and appends its new events.</summary>
    void SaveOrder(Order order, IReadOnlyList<OrderEvent> events);

    /// <summary>Records a fill with the order change it caused and the resulting position and cash, atomically.</summary>
    void SaveFill(Fill fill, Order? order, IReadOnlyList<OrderEvent> events, Position position, decimal cash);

    void SaveCash(decimal cash);

    IReadOnlyList<Order> RecentOrders(int limit);

    IReadOnlyList<Fill> RecentFills(int limit);

    IReadOnlyList<OrderEvent> EventsOf(string clientOrderId);

    /// <summary>Small named values that must survive a restart (trading state, peak equity, live ramp limits).</summary>
    string? GetState(string key);

    void SetState(string key, string value);
}

/// <summary>Keeps nothing: for backtests and benchmarks, where the run itself is the record.</summary>
public sealed class NullExecutionStore : IExecutionStore
{
    public static NullExecutionStore Instance { get; } = new();

    public ExecutionSnapshot Load() => new([], [], null, 0);

    public Order? FindOrderByIntent(string intentId) => null;

    public Order? FindOrder(string clientOrderId) => null;

    public bool HasFill(string tradeId) => false;

    public void SaveOrder(Order order, IReadOnlyList<OrderEvent> events)
    {
    }

    public void SaveFill(Fill fill, Order? order, IReadOnlyList<OrderEvent> events, Position position, decimal cash)
    {
    }

    public void SaveCash(decimal cash)
    {
    }

    public IReadOnlyList<Order> RecentOrders(int limit) => [];

    public IReadOnlyList<Fill> RecentFills(int limit) => [];

    public IReadOnlyList<OrderEvent> EventsOf(string clientOrderId) => [];

    public string? GetState(string key) => null;

    public void SetState(string key, string value)
    {
    }
}
