using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

/// <summary>The executor wired to the real paper exchange, order manager, risk manager and stop-loss manager.</summary>
internal sealed class ExecutorHarness : IDisposable
{
    public const long M = 60_000;

    public ExecutorHarness(bool stopsOnVenue = true, bool trailing = false, RiskOptions? risk = null, PaperExchangeOptions? paper = null)
    {
        Clock = ExecutionTestKit.Clock(T0 - M);
        Exchange = new PaperExchange(paper ?? Paper(), Registry(), "USDT", Clock);
        var book = new PositionBook("USDT", 10_000m, Clock);
        Orders = new OrderManager(Exchange, book, Registry(), NullExecutionStore.Instance, new ExecutionOptions { RetryBaseDelayMs = 0 }, Clock);
        Orders.ReconcileAsync(["ETHUSDT"]).GetAwaiter().GetResult();
        var options = risk ?? RiskTestKit.Loose();
        if (risk is null)
        {
            options.RequireStopLoss = true;
            options.RiskPerTradeFraction = 0.01m;
        }

        Audit = new RecordingAuditLog(Clock);
        Risk = new RiskManager(options, TradingMode.Paper, Clock, audit: Audit);
        Stops = new StopLossManager(new StopLossOptions { Mode = StopLossMode.Fixed, FixedFraction = 0.02m, Trailing = trailing, PlaceOnVenue = stopsOnVenue }, Clock);
        Executor = new TradingExecutor(Orders, Risk, Stops, Clock);
    }

    public FakeTimeProvider Clock { get; }

    public PaperExchange Exchange { get; }

    public OrderManager Orders { get; }

    public RiskManager Risk { get; }

    public StopLossManager Stops { get; }

    public TradingExecutor Executor { get; }

    public RecordingAuditLog Audit { get; }

    /// <summary>Feeds a closed candle the way the backtester does: venue first, then the executor, clock at the close.</summary>
    public async Task Bar(long openMs, double open, double high, double low, double close, double volume = 1000)
    {
        Clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(openMs + M));
        var bar = ExecutionTestKit.Bar("ETHUSDT", openMs, open, high, low, close, volume);
        Exchange.OnBar(bar);
        await Executor.OnBarAsync(bar);
    }

    public PositionTarget Target(decimal fraction) => new("ETHUSDT", fraction, "test", 0.9, "unit test", Clock.GetUtcNow());

    public void Dispose()
    {
        Executor.Dispose();
        Orders.Dispose();
    }
}

public class TradingExecutorTests
{
    private const long M = ExecutorHarness.M;

    [Fact]
    public async Task Entry_is_sized_by_risk_filled_and_protected_by_a_venue_stop_that_limits_the_loss()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);

        var outcome = await h.Executor.ApplyTargetAsync(h.Target(1m));
        Assert.Equal(TargetAction.Submitted, outcome.Action);
        Assert.Equal(RiskVerdict.Resize, outcome.Risk!.Verdict);
        Assert.Equal(2.5m, outcome.Order!.Quantity); // 10000 x 1 % / (2000 - 1960)
        Assert.Equal(1960m, outcome.Order.Intent.StopLossPrice);

        await h.Bar(T0, 2000, 2010, 1990, 2005); // entry fills at the open; the stop goes on the venue
        Assert.Equal(2.5m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        var stop = Assert.Single(h.Orders.GetOpenOrders());
        Assert.Equal((OrderType.StopMarket, OrderSide.Sell, 2.5m, 1960m), (stop.Type, stop.Side, stop.Quantity, stop.Intent.StopPrice));
        Assert.True(stop.Intent.IsProtective);

        await h.Bar(T0 + M, 2000, 2001, 1950, 1955); // stop hit inside the candle
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Empty(h.Orders.GetOpenOrders());
        Assert.Null(h.Stops.Get("ETHUSDT"));
        Assert.Equal(10_000m - 100m, h.Orders.Positions.Cash); // lost 2.5 x 40 = 1 % of equity
    }

    [Fact]
    public async Task Target_flat_releases_the_stop_and_closes_the_position()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Executor.ApplyTargetAsync(h.Target(1m));
        await h.Bar(T0, 2000, 2010, 1990, 2005);
        Assert.Single(h.Orders.GetOpenOrders());

        var exit = await h.Executor.ApplyTargetAsync(h.Target(0m));
        Assert.Equal(TargetAction.Submitted, exit.Action);
        Assert.True(exit.Order!.Intent.ReduceOnly);
        await h.Bar(T0 + M, 2100, 2110, 2090, 2100);

        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Empty(h.Orders.GetOpenOrders());
        Assert.Equal(10_000m + 2.5m * 100m, h.Orders.Positions.Cash);
    }

    [Fact]
    public async Task Same_direction_targets_do_not_stack_orders()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        Assert.Equal(TargetAction.Submitted, (await h.Executor.ApplyTargetAsync(h.Target(1m))).Action);
        Assert.Equal(TargetAction.Skipped, (await h.Executor.ApplyTargetAsync(h.Target(1m) with { Time = h.Clock.GetUtcNow().AddSeconds(1) })).Action);
        await h.Bar(T0, 2000, 2010, 1990, 2005);
        Assert.Equal(TargetAction.NoChange, (await h.Executor.ApplyTargetAsync(h.Target(0.5m))).Action);
        Assert.Equal(2.5m, h.Orders.Positions.QuantityOf("ETHUSDT"));
    }

    [Fact]
    public async Task Short_targets_on_a_spot_venue_mean_flat()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        var outcome = await h.Executor.ApplyTargetAsync(h.Target(-1m));
        Assert.Equal(TargetAction.NoChange, outcome.Action);
        Assert.Equal("already flat", outcome.Reason);
    }

    [Fact]
    public async Task Without_venue_stops_the_stop_is_watched_locally_and_exits_at_the_next_open()
    {
        using var h = new ExecutorHarness(stopsOnVenue: false);
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Executor.ApplyTargetAsync(h.Target(1m));
        await h.Bar(T0, 2000, 2010, 1990, 2005);
        Assert.Empty(h.Orders.GetOpenOrders()); // nothing resting on the venue
        Assert.Equal(1960m, h.Stops.Get("ETHUSDT")!.StopPrice);

        await h.Bar(T0 + M, 2000, 2001, 1958, 1959); // low through 1960: exit sent
        var exit = Assert.Single(h.Orders.GetOpenOrders());
        Assert.Equal((OrderType.Market, OrderSide.Sell, true), (exit.Type, exit.Side, exit.Intent.IsProtective));

        await h.Bar(T0 + 2 * M, 1950, 1955, 1940, 1945);
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Equal(10_000m - 2.5m * 50m, h.Orders.Positions.Cash); // sold at the next open, 1950
    }

    [Fact]
    public async Task Trailing_stop_is_replaced_on_the_venue_as_price_rises()
    {
        // A venue without amend (Binance, MEXC spot): cancel and replace.
        var paper = Paper();
        paper.AmendStopOrders = false;
        using var h = new ExecutorHarness(trailing: true, paper: paper);
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Executor.ApplyTargetAsync(h.Target(1m));
        await h.Bar(T0, 2000, 2000, 2000, 2000);
        var first = Assert.Single(h.Orders.GetOpenOrders());

        await h.Bar(T0 + M, 2000, 2100, 1999, 2090);
        var second = Assert.Single(h.Orders.GetOpenOrders());
        Assert.Equal(2060m, second.Intent.StopPrice); // 2100 - 40
        Assert.NotEqual(first.ClientOrderId, second.ClientOrderId);
        Assert.Equal(OrderStatus.Canceled, h.Orders.GetOrder(first.ClientOrderId)!.Status);

        await h.Bar(T0 + 2 * M, 2090, 2095, 2050, 2055); // hits 2060
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Equal(10_000m + 2.5m * 60m, h.Orders.Positions.Cash);
    }

    [Fact]
    public async Task Trailing_stop_is_amended_in_place_where_the_venue_can()
    {
        using var h = new ExecutorHarness(trailing: true);
        Assert.True(h.Exchange.Capabilities.SupportsStopAmend);
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Executor.ApplyTargetAsync(h.Target(1m));
        await h.Bar(T0, 2000, 2000, 2000, 2000);
        var first = Assert.Single(h.Orders.GetOpenOrders());
        var created = h.Orders.Counters.OrdersCreated;

        await h.Bar(T0 + M, 2000, 2100, 1999, 2090);
        var moved = Assert.Single(h.Orders.GetOpenOrders());
        Assert.Equal(first.ClientOrderId, moved.ClientOrderId);
        Assert.Equal(2060m, moved.Intent.StopPrice); // 2100 - 40
        Assert.Equal(OrderStatus.Accepted, moved.Status);
        Assert.Equal(created, h.Orders.Counters.OrdersCreated);
        var venue = Assert.Single(await h.Exchange.GetOpenOrdersAsync("ETHUSDT"));
        Assert.Equal(2060m, venue.StopPrice);
        var last = h.Orders.GetEvents(moved.ClientOrderId)[^1];
        Assert.Equal(OrderStatus.Accepted, last.From);
        Assert.Equal(OrderStatus.Accepted, last.To);
        Assert.StartsWith("stop moved to 2060", last.Reason, StringComparison.Ordinal);

        await h.Bar(T0 + 2 * M, 2090, 2095, 2050, 2055); // hits 2060, as the replaced stop does
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Equal(10_000m + 2.5m * 60m, h.Orders.Positions.Cash);
        Assert.Equal(OrderStatus.Filled, h.Orders.GetOrder(first.ClientOrderId)!.Status);
    }

    [Fact]
    public async Task Denials_are_reported_not_sent()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Risk.SetStateAsync(RiskTestKit.Admin, TradingState.Halted, "test");
        var outcome = await h.Executor.ApplyTargetAsync(h.Target(1m));
        Assert.Equal(TargetAction.Denied, outcome.Action);
        Assert.StartsWith("trading is Halted", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, h.Orders.Counters.OrdersCreated);
    }

    [Fact]
    public async Task Replaying_the_same_decision_does_not_trade_twice()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        var target = h.Target(1m);
        await h.Executor.ApplyTargetAsync(target);
        await h.Bar(T0, 2000, 2010, 1990, 2005);
        await h.Executor.ApplyTargetAsync(h.Target(0m));
        await h.Bar(T0 + M, 2000, 2010, 1990, 2005);

        var again = await h.Executor.ApplyTargetAsync(target); // the same decision (same time), e.g. after a restart
        Assert.Equal("duplicate intent: existing order", again.Reason);
        await h.Bar(T0 + 2 * M, 2000, 2010, 1990, 2005);
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
    }
}
