using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

/// <summary>Records audit entries in memory so tests can check who was allowed to do what.</summary>
internal sealed class RecordingAuditLog(TimeProvider clock) : IAuditLog
{
    public List<AuditEntry> Entries { get; } = [];

    public Task RecordAsync(Actor actor, string action, string target, string? before, string? after, bool allowed, CancellationToken cancellationToken = default)
    {
        lock (Entries)
        {
            Entries.Add(new AuditEntry(Entries.Count + 1, clock.GetUtcNow(), actor.Name, actor.Address, action, target, before, after, allowed));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditEntry>>(Entries.AsEnumerable().Reverse().Take(limit).ToList());
}

internal static class RiskTestKit
{
    public static readonly Actor Admin = new("alice", UserRole.Admin, "127.0.0.1");
    public static readonly Actor Viewer = new("victor", UserRole.Viewer, "127.0.0.1");

    /// <summary>Generous limits so that a test switches on only the limit it is about.</summary>
    public static RiskOptions Loose() => new()
    {
        MaxPositionNotionalPerSymbol = 1_000_000m,
        MaxTotalNotional = 1_000_000m,
        MaxLeverage = 100m,
        RiskPerTradeFraction = 0.99m,
        MaxOpenOrders = 100,
        RequireStopLoss = false,
        MaxDrawdown = 0.5m,
        DailyLossLimit = 0.5m,
        WarnAtFraction = 0.8m,
        CircuitBreaker = new CircuitBreakerOptions { MaxMoveFraction = 0.99m, WindowSeconds = 60, CooldownSeconds = 300 },
    };

    public static PortfolioSnapshot Portfolio(decimal cash, params (string Symbol, decimal Quantity, decimal Mark)[] positions)
    {
        var list = positions.Select(p => new Position(p.Symbol, p.Quantity, p.Mark, 0m, 0m, p.Mark, 0m, DateTimeOffset.UnixEpoch)).ToList();
        var gross = list.Sum(p => Math.Abs(p.Notional));
        var net = list.Sum(p => p.Notional);
        return new PortfolioSnapshot(DateTimeOffset.FromUnixTimeMilliseconds(T0), "USDT", cash, cash + net, 0m, 0m, 0m, gross, net, list);
    }

    public static RiskContext Context(PortfolioSnapshot portfolio, decimal price = 2000m, params Order[] open) => new(portfolio, open, EthUsdt, price);

    public static OrderIntent Entry(decimal qty, decimal? stop = 1960m, OrderSide side = OrderSide.Buy) =>
        new("e1", "ETHUSDT", side, OrderType.Market, qty) { StopLossPrice = stop, Source = "test" };

    public static Order OpenOrder(string symbol, OrderSide side, decimal qty, decimal limit, bool reduceOnly = false)
    {
        var intent = new OrderIntent("o-" + Guid.NewGuid().ToString("N"), symbol, side, OrderType.Limit, qty, limit) { ReduceOnly = reduceOnly };
        var t = DateTimeOffset.FromUnixTimeMilliseconds(T0);
        return new Order("td" + Guid.NewGuid().ToString("N")[..30], intent, "Paper", OrderStatus.Accepted, 0m, 0m, "v", t, t, "accepted");
    }
}
