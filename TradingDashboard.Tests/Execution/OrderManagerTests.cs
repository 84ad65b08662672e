using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Storage;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public sealed class OrderManagerTests : IDisposable
{
    private const long M = 60_000;
    private readonly string _dbPath = Path.Combine(Path.GetTempPath(), $"td-orders-{Guid.NewGuid():N}.db");
    private readonly FakeTimeProvider _clock = Clock();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_dbPath + suffix);
        }
    }

    private SqliteDatabase Database() => new(new SqliteConnectionStringBuilder { DataSource = _dbPath, Pooling = true }.ToString());

    private static ExecutionOptions Options() => new() { PlacementAttempts = 3, RetryBaseDelayMs = 0 };

    private (PaperExchange Exchange, FlakyVenue Venue) NewVenue(PaperExchangeOptions? paper = null)
    {
        var exchange = new PaperExchange(paper ?? Paper(taker: 0.001m, maker: 0.0005m), Registry(), "USDT", _clock);
        exchange.OnBar(Bar("ETHUSDT", T0 - M, 2000, 2000, 2000, 2000, 10));
        return (exchange, new FlakyVenue(exchange));
    }

    private async Task<OrderManager> NewManager(IBrokerageApi venue, IExecutionStore? store = null, IAlertService? alerts = null, decimal cash = 10_000m)
    {
        var book = new PositionBook("USDT", cash, _clock);
        book.Mark("ETHUSDT", 2000m);
        var manager = new OrderManager(venue, book, Registry(), store ?? NullExecutionStore.Instance, Options(), _clock, alerts: alerts);
        await manager.ReconcileAsync(["ETHUSDT"]);
        return manager;
    }

    private static OrderIntent Buy(string id, decimal qty = 1m, OrderType type = OrderType.Market, decimal? limit = null) =>
        new(id, "ETHUSDT", OrderSide.Buy, type, qty, limit) { Source = "test", Reason = "unit test" };

    [Fact]
    public async Task Submitting_the_same_intent_twice_creates_one_order()
    {
        var (exchange, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var first = await manager.SubmitAsync(Buy("intent-1", type: OrderType.Limit, limit: 1900m));
        var second = await manager.SubmitAsync(Buy("intent-1", type: OrderType.Limit, limit: 1900m));

        Assert.False(first.IsDuplicate);
        Assert.True(second.IsDuplicate);
        Assert.Equal(first.Order.ClientOrderId, second.Order.ClientOrderId);
        Assert.Equal(1, venue.PlacementsReachingVenue);
        Assert.Single(await exchange.GetOpenOrdersAsync(null));
        Assert.Equal(1, manager.Counters.DuplicateIntents);
    }

    [Fact]
    public async Task Concurrent_submissions_of_one_intent_create_one_order()
    {
        var (exchange, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => manager.SubmitAsync(Buy("same", type: OrderType.Limit, limit: 1900m)))));
        Assert.Single(results, r => !r.IsDuplicate);
        Assert.Single(await exchange.GetOpenOrdersAsync(null));
    }

    [Fact]
    public async Task Lifecycle_events_carry_reasons_and_the_clock_time()
    {
        var (exchange, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var submission = await manager.SubmitAsync(Buy("i1"));
        Assert.Equal(OrderStatus.Accepted, submission.Order.Status);

        _clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(T0 + M));
        exchange.OnBar(Bar("ETHUSDT", T0, 2000, 2010, 1990, 2005, 100));

        var id = submission.Order.ClientOrderId;
        var order = manager.GetOrder(id)!;
        Assert.Equal(OrderStatus.Filled, order.Status);
        Assert.Equal(1m, order.FilledQuantity);
        Assert.Equal(2000m, order.AveragePrice);

        var events = manager.GetEvents(id);
        Assert.Equal([OrderStatus.New, OrderStatus.Submitted, OrderStatus.Accepted, OrderStatus.Filled], events.Select(e => e.To));
        Assert.Equal([null, OrderStatus.New, OrderStatus.Submitted, OrderStatus.Accepted], events.Select(e => e.From));
        Assert.All(events, e => Assert.False(string.IsNullOrWhiteSpace(e.Reason)));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0), events[0].Time);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0), events[3].Time); // the fill's venue time
        Assert.NotNull(events[3].TradeId);
        Assert.True(events.Zip(events.Skip(1)).All(p => p.Second.Sequence > p.First.Sequence));

        var position = manager.Positions.Get("ETHUSDT")!;
        Assert.Equal(1m, position.Quantity);
        Assert.Equal(-2m, position.RealizedPnl); // taker fee 1 x 2000 x 0.001
    }

    [Fact]
    public async Task Invalid_intents_are_rejected_with_the_reason_and_never_sent()
    {
        var (_, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var submission = await manager.SubmitAsync(Buy("tiny", qty: 0.001m)); // 0.001 x 2000 = 2 < 5
        Assert.Equal(OrderStatus.Rejected, submission.Order.Status);
        Assert.StartsWith(RejectCodes.MinNotional, submission.Order.StatusReason, StringComparison.Ordinal);
        Assert.Equal(0, venue.PlacementsReachingVenue);
        Assert.Equal([OrderStatus.New, OrderStatus.Rejected], manager.GetEvents(submission.Order.ClientOrderId).Select(e => e.To));
    }

    [Fact]
    public async Task Venue_rejection_is_recorded_with_the_venue_reason()
    {
        var (_, venue) = NewVenue(Paper(cash: 100m));
        using var manager = await NewManager(venue);
        var submission = await manager.SubmitAsync(Buy("big"));
        Assert.Equal(OrderStatus.Rejected, submission.Order.Status);
        Assert.Contains(RejectCodes.InsufficientBalance, submission.Order.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_after_the_venue_accepted_is_resolved_by_lookup_not_by_a_second_order()
    {
        var (exchange, venue) = NewVenue();
        venue.Faults.Enqueue(PlacementFault.TimeoutAfterPlacing);
        using var manager = await NewManager(venue);

        var submission = await manager.SubmitAsync(Buy("i1", type: OrderType.Limit, limit: 1900m));

        Assert.Equal(OrderStatus.Accepted, submission.Order.Status);
        Assert.Contains("found on Paper by client order id", submission.Order.StatusReason, StringComparison.Ordinal);
        Assert.Equal(1, venue.PlacementsReachingVenue);
        Assert.Single(await exchange.GetOpenOrdersAsync(null));
        Assert.NotNull(submission.Order.VenueOrderId);
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_the_same_client_order_id()
    {
        var (exchange, venue) = NewVenue();
        venue.Faults.Enqueue(PlacementFault.FailBeforeSending);
        venue.Faults.Enqueue(PlacementFault.TimeoutNotPlaced);
        using var manager = await NewManager(venue);

        var submission = await manager.SubmitAsync(Buy("i1", type: OrderType.Limit, limit: 1900m));

        Assert.Equal(OrderStatus.Accepted, submission.Order.Status);
        Assert.Equal(2, manager.Counters.PlacementRetries);
        var open = Assert.Single(await exchange.GetOpenOrdersAsync(null));
        Assert.Equal(submission.Order.ClientOrderId, open.ClientOrderId);
    }

    [Fact]
    public async Task Retry_waits_the_backoff_on_the_time_provider()
    {
        var (exchange, venue) = NewVenue();
        venue.Faults.Enqueue(PlacementFault.FailBeforeSending);
        var book = new PositionBook("USDT", 10_000m, _clock);
        book.Mark("ETHUSDT", 2000m);
        using var manager = new OrderManager(venue, book, Registry(), NullExecutionStore.Instance, new ExecutionOptions { PlacementAttempts = 2, RetryBaseDelayMs = 500 }, _clock);
        await manager.ReconcileAsync(["ETHUSDT"]);

        var pending = manager.SubmitAsync(Buy("i1", type: OrderType.Limit, limit: 1900m));
        await Task.Delay(50);
        Assert.False(pending.IsCompleted); // waiting 500 ms of fake time
        Assert.Empty(await exchange.GetOpenOrdersAsync(null));
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var submission = await pending;
        Assert.Equal(OrderStatus.Accepted, submission.Order.Status);
    }

    [Fact]
    public async Task No_answer_at_all_leaves_the_order_submitted_with_an_alert_until_reconciliation_settles_it()
    {
        var (exchange, venue) = NewVenue();
        for (var i = 0; i < 3; i++)
        {
            venue.Faults.Enqueue(PlacementFault.TimeoutNotPlaced);
        }

        var alerts = new AlertService(_clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<AlertService>.Instance);
        using var manager = await NewManager(venue, alerts: alerts);
        var submission = await manager.SubmitAsync(Buy("i1", type: OrderType.Limit, limit: 1900m));

        Assert.Equal(OrderStatus.Submitted, submission.Order.Status);
        Assert.Contains(alerts.Recent(), a => a.Severity == AlertSeverity.Error && a.Message.Contains(submission.Order.ClientOrderId, StringComparison.Ordinal));
        Assert.Empty(await exchange.GetOpenOrdersAsync(null));

        await manager.ReconcileAsync(["ETHUSDT"]);
        var order = manager.GetOrder(submission.Order.ClientOrderId)!;
        Assert.Equal(OrderStatus.Rejected, order.Status);
        Assert.Contains("not found", order.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_fill_messages_are_applied_once()
    {
        var (exchange, venue) = NewVenue(Paper(participation: 0.1m));
        venue.DuplicateReports = true;
        using var manager = await NewManager(venue);
        await manager.SubmitAsync(Buy("i1"));
        exchange.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 5)); // 0.5
        exchange.OnBar(Bar("ETHUSDT", T0 + M, 2100, 2100, 2100, 2100, 5)); // 0.5

        var position = manager.Positions.Get("ETHUSDT")!;
        Assert.Equal(1m, position.Quantity);
        Assert.Equal(2050m, position.AverageEntryPrice);
        Assert.Equal(2, manager.Counters.FillsApplied);
        Assert.Equal(2, manager.Counters.DuplicateFills);
        Assert.Equal(10_000m - 2050m, manager.Positions.Cash);
    }

    [Fact]
    public async Task Venue_reports_that_break_the_lifecycle_are_refused_and_counted()
    {
        var (exchange, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var submission = await manager.SubmitAsync(Buy("i1"));
        exchange.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 100));
        var id = submission.Order.ClientOrderId;
        Assert.Equal(OrderStatus.Filled, manager.GetOrder(id)!.Status);

        // A stale "expired" for a filled order: refused, the order stays filled.
        var stale = new StaleReporter();
        using var manager2 = new OrderManager(stale, manager.Positions, Registry(), NullExecutionStore.Instance, Options(), _clock);
        await manager2.ReconcileAsync([]);
        await manager2.SubmitAsync(Buy("i2"));
        var id2 = manager2.GetOpenOrders().Single().ClientOrderId;
        stale.Push(new ExecutionReport("Stale", id2, ExecutionReportKind.Fill, _clock.GetUtcNow(), "fill", null,
            new Fill("Stale", "t1", id2, "ETHUSDT", OrderSide.Buy, 1m, 2000m, 0m, "USDT", false, _clock.GetUtcNow())));
        stale.Push(new ExecutionReport("Stale", id2, ExecutionReportKind.Expired, _clock.GetUtcNow(), "late expiry"));
        Assert.Equal(OrderStatus.Filled, manager2.GetOrder(id2)!.Status);
        Assert.Equal(1, manager2.Counters.IllegalTransitions);
    }

    [Fact]
    public async Task Cancel_and_cancel_all()
    {
        var (exchange, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var a = await manager.SubmitAsync(Buy("a", type: OrderType.Limit, limit: 1900m));
        await manager.SubmitAsync(Buy("b", type: OrderType.Limit, limit: 1901m));
        await manager.SubmitAsync(Buy("c", type: OrderType.Limit, limit: 1902m));

        Assert.True(await manager.CancelAsync(a.Order.ClientOrderId, "test"));
        Assert.False(await manager.CancelAsync(a.Order.ClientOrderId, "again"));
        Assert.Equal(OrderStatus.Canceled, manager.GetOrder(a.Order.ClientOrderId)!.Status);
        Assert.Equal("canceled: test", manager.GetOrder(a.Order.ClientOrderId)!.StatusReason);
        Assert.Equal(2, await manager.CancelAllAsync(null, "kill"));
        Assert.Equal(0, manager.OpenOrderCount);
        Assert.Empty(await exchange.GetOpenOrdersAsync(null));
    }

    [Fact]
    public async Task Closed_orders_beyond_the_memory_bound_are_dropped_from_memory_only()
    {
        var (_, venue) = NewVenue();
        using var manager = await NewManager(venue);
        var first = await manager.SubmitAsync(Buy("tiny-0", qty: 0.001m)); // rejected: below min notional
        for (var i = 1; i <= OrderManager.ClosedOrdersInMemory; i++)
        {
            await manager.SubmitAsync(Buy($"tiny-{i}", qty: 0.001m));
        }

        Assert.Null(manager.GetOrder(first.Order.ClientOrderId));
        Assert.NotNull(manager.GetOrder(ClientOrderIds.FromIntent("tiny-1")));
        Assert.Equal(OrderManager.ClosedOrdersInMemory + 1, manager.Counters.Rejected);
    }

    [Fact]
    public async Task Submitting_before_reconciliation_is_refused()
    {
        var (_, venue) = NewVenue();
        using var manager = new OrderManager(venue, new PositionBook("USDT", 1000m, _clock), Registry(), NullExecutionStore.Instance, Options(), _clock);
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.SubmitAsync(Buy("i1")));
    }

    [Fact]
    public async Task Orders_fills_positions_and_cash_survive_a_restart()
    {
        var (exchange, venue) = NewVenue();
        string filledId, restingId;
        Position before;
        decimal cashBefore;
        {
            var store = new SqliteExecutionStore(Database(), venue.Name);
            using var manager = await NewManager(venue, store);
            filledId = (await manager.SubmitAsync(Buy("buy-1"))).Order.ClientOrderId;
            exchange.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 100));
            await manager.SubmitAsync(new OrderIntent("sell-1", "ETHUSDT", OrderSide.Sell, OrderType.Market, 0.4m));
            exchange.OnBar(Bar("ETHUSDT", T0 + M, 2100, 2100, 2100, 2100, 100));
            restingId = (await manager.SubmitAsync(Buy("rest-1", qty: 0.5m, type: OrderType.Limit, limit: 1800m))).Order.ClientOrderId;
            before = manager.Positions.Get("ETHUSDT")!;
            cashBefore = manager.Positions.Cash;
        }

        // New process: fresh book and manager over the same database and the same (still running) venue.
        var store2 = new SqliteExecutionStore(Database(), venue.Name);
        using var restarted = new OrderManager(venue, new PositionBook("USDT", 10_000m, _clock), Registry(), store2, Options(), _clock);
        var report = await restarted.ReconcileAsync(["ETHUSDT"]);

        var after = restarted.Positions.Get("ETHUSDT")!;
        Assert.Equal(before with { FeesByAsset = after.FeesByAsset }, after);
        Assert.Equal(before.FeesByAsset, after.FeesByAsset);
        Assert.Equal(0.6m, after.Quantity);
        Assert.Equal(cashBefore, restarted.Positions.Cash);
        Assert.Equal(10_000m - 2000m - 2m + 0.4m * 2100m - 0.84m, restarted.Positions.Cash);
        Assert.Equal(1, report.OrdersChecked);
        Assert.Equal(OrderStatus.Accepted, restarted.GetOrder(restingId)!.Status);
        Assert.Equal([OrderStatus.New, OrderStatus.Submitted, OrderStatus.Accepted, OrderStatus.Filled], restarted.GetEvents(filledId).Select(e => e.To));

        // The same intent after the restart is still a duplicate: nothing new reaches the venue.
        var placements = venue.PlacementsReachingVenue;
        Assert.True((await restarted.SubmitAsync(Buy("buy-1"))).IsDuplicate);
        Assert.Equal(placements, venue.PlacementsReachingVenue);
        Assert.Equal(2, store2.RecentFills(10).Count); // the buy and the sell; the resting order has none
    }

    [Fact]
    public async Task An_amended_stop_is_recorded_and_survives_a_restart()
    {
        var (exchange, _) = NewVenue();
        string stopId;
        {
            using var manager = await NewManager(exchange, new SqliteExecutionStore(Database(), exchange.Name));
            var stop = new OrderIntent("stop-1", "ETHUSDT", OrderSide.Buy, OrderType.StopMarket, 0.5m, StopPrice: 2100m) { Source = "test" };
            stopId = (await manager.SubmitAsync(stop)).Order.ClientOrderId;
            var limitId = (await manager.SubmitAsync(Buy("limit-1", qty: 0.1m, type: OrderType.Limit, limit: 1900m))).Order.ClientOrderId;

            Assert.True(await manager.AmendStopPriceAsync(stopId, 2150m, "trailing"));
            Assert.False(await manager.AmendStopPriceAsync(stopId, 2150.005m, "off the tick")); // a new order would be refused too
            Assert.False(await manager.AmendStopPriceAsync(limitId, 1950m, "not a stop"));
            Assert.Equal(2150m, manager.GetOrder(stopId)!.Intent.StopPrice);
            Assert.Equal(2150m, (await exchange.QueryOrderAsync("ETHUSDT", stopId))!.StopPrice);
            Assert.Equal(2, manager.Counters.OrdersCreated);
        }

        using var restarted = new OrderManager(exchange, new PositionBook("USDT", 10_000m, _clock), Registry(), new SqliteExecutionStore(Database(), exchange.Name), Options(), _clock);
        await restarted.ReconcileAsync(["ETHUSDT"]);
        Assert.Equal(2150m, restarted.GetOrder(stopId)!.Intent.StopPrice);
        var last = restarted.GetEvents(stopId)[^1];
        Assert.Equal((OrderStatus.Accepted, OrderStatus.Accepted), (last.From!.Value, last.To));
        Assert.Equal("stop moved to 2150: trailing", last.Reason);
    }

    [Fact]
    public async Task A_fill_delivered_again_after_a_restart_is_ignored()
    {
        var venue = new StaleReporter();
        var fill = new Fill("Stale", "trade-77", ClientOrderIds.FromIntent("i1"), "ETHUSDT", OrderSide.Buy, 1m, 2000m, 2m, "USDT", false, _clock.GetUtcNow());
        {
            using var manager = await NewManager(venue, new SqliteExecutionStore(Database(), venue.Name));
            await manager.SubmitAsync(Buy("i1"));
            venue.Push(new ExecutionReport("Stale", fill.ClientOrderId, ExecutionReportKind.Fill, fill.Time, "fill", null, fill));
            Assert.Equal(1m, manager.Positions.QuantityOf("ETHUSDT"));
        }

        using var restarted = new OrderManager(venue, new PositionBook("USDT", 10_000m, _clock), Registry(), new SqliteExecutionStore(Database(), venue.Name), Options(), _clock);
        await restarted.ReconcileAsync(["ETHUSDT"]);
        venue.Push(new ExecutionReport("Stale", fill.ClientOrderId, ExecutionReportKind.Fill, fill.Time, "fill (resent after reconnect)", null, fill));

        Assert.Equal(1m, restarted.Positions.QuantityOf("ETHUSDT"));
        Assert.Equal(10_000m - 2002m, restarted.Positions.Cash);
        Assert.Equal(1, restarted.Counters.DuplicateFills);
        Assert.Equal(0, restarted.Counters.FillsApplied);
        Assert.Equal(OrderStatus.Filled, restarted.GetOrderByIntent("i1")!.Status);
    }

    [Fact]
    public async Task Fills_missed_while_down_are_recovered_at_reconciliation()
    {
        var (exchange, venue) = NewVenue();
        string id;
        {
            using var manager = await NewManager(venue, new SqliteExecutionStore(Database(), venue.Name));
            id = (await manager.SubmitAsync(Buy("rest", type: OrderType.Limit, limit: 1900m))).Order.ClientOrderId;
        } // disposed: no longer listening

        exchange.OnBar(Bar("ETHUSDT", T0, 1950, 1950, 1850, 1880, 100)); // fills while we are down

        using var restarted = new OrderManager(venue, new PositionBook("USDT", 10_000m, _clock), Registry(), new SqliteExecutionStore(Database(), venue.Name), Options(), _clock);
        var report = await restarted.ReconcileAsync(["ETHUSDT"]);

        Assert.Equal(1, report.FillsRecovered);
        Assert.Equal(OrderStatus.Filled, restarted.GetOrder(id)!.Status);
        var position = restarted.Positions.Get("ETHUSDT")!;
        Assert.Equal(1m, position.Quantity);
        Assert.Equal(1900m, position.AverageEntryPrice);
        Assert.Equal(10_000m - 1900m - 0.95m, restarted.Positions.Cash); // maker fee 0.0005
    }

    [Fact]
    public async Task Orders_the_paper_venue_lost_in_a_restart_are_closed_and_its_balances_restored()
    {
        var (exchange, venue) = NewVenue();
        {
            using var manager = await NewManager(venue, new SqliteExecutionStore(Database(), venue.Name));
            await manager.SubmitAsync(Buy("b"));
            exchange.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 100));
            await manager.SubmitAsync(Buy("rest", type: OrderType.Limit, limit: 1500m));
        }

        var (freshExchange, _) = NewVenue(); // a new process: a new, empty simulated venue
        using var restarted = new OrderManager(freshExchange, new PositionBook("USDT", 10_000m, _clock), Registry(), new SqliteExecutionStore(Database(), freshExchange.Name), Options(), _clock);
        await restarted.ReconcileAsync(["ETHUSDT"]);

        Assert.Equal(0, restarted.OpenOrderCount);
        Assert.Equal(1m, freshExchange.BalanceOf("ETH"));
        Assert.Equal(10_000m - 2000m - 2m, freshExchange.BalanceOf("USDT"));
    }

    /// <summary>A venue that accepts everything and lets the test push reports.</summary>
    private sealed class StaleReporter : IBrokerageApi
    {
        private Action<ExecutionReport>? _handler;

        public string Name => "Stale";

        public VenueCapabilities Capabilities { get; } = new(false, false, false);

        public void Push(ExecutionReport report) => _handler?.Invoke(report);

        public ValueTask<SymbolRules> GetSymbolRulesAsync(string symbol, CancellationToken cancellationToken = default) => ValueTask.FromResult(EthUsdt);

        public ValueTask<PlaceOrderResult> PlaceOrderAsync(VenueOrderRequest request, CancellationToken cancellationToken = default) => ValueTask.FromResult(PlaceOrderResult.Accepted("v1"));

        public ValueTask<CancelOrderResult> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => ValueTask.FromResult(new CancelOrderResult(CancelOrderOutcome.Canceled, null));

        public ValueTask<VenueOrder?> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default) => ValueTask.FromResult<VenueOrder?>(null);

        public ValueTask<IReadOnlyList<VenueOrder>> GetOpenOrdersAsync(string? symbol, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<VenueOrder>>([]);

        public ValueTask<IReadOnlyList<AssetBalance>> GetBalancesAsync(CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<AssetBalance>>([]);

        public ValueTask<IReadOnlyList<Fill>> GetFillsAsync(string symbol, DateTimeOffset since, CancellationToken cancellationToken = default) => ValueTask.FromResult<IReadOnlyList<Fill>>([]);

        public IDisposable Subscribe(Action<ExecutionReport> handler)
        {
            _handler = handler;
            return new NoOp();
        }

        private sealed class NoOp : IDisposable
        {
            public void Dispose()
            {
            }
        }
    }
}
