using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Execution;
using TradingDashboard.Tests.Fakes;
using static TradingDashboard.Tests.Exchanges.Trading.VenueTestKit;

namespace TradingDashboard.Tests.Exchanges.Trading;

public sealed class BinanceTradingClientTests : IAsyncLifetime
{
    private const string Symbol = "ETHUSDT";
    private FakeBinanceTradingServer _venue = null!;

    public async Task InitializeAsync() => _venue = await FakeBinanceTradingServer.StartAsync();

    public async Task DisposeAsync() => await _venue.DisposeAsync();

    [Fact]
    public void Signer_matches_the_example_in_the_Binance_documentation()
    {
        // Key, secret, parameters and signature of the HMAC example in Binance's spot API documentation.
        var credentials = new ExchangeCredentials(
            "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
            "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
        Assert.Equal(
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71",
            credentials.Sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"));
    }

    [Fact]
    public void Signed_query_carries_recvWindow_server_timestamp_and_the_signature_of_everything_before_it()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        var signer = new BinanceSigner(new ExchangeCredentials("k", "s3cret"), clock, 5000) { ServerTimeOffsetMs = 1234 };
        var query = signer.SignedQuery([new("symbol", "ETHUSDT"), new("quantity", "0.5")]);
        const string payload = "symbol=ETHUSDT&quantity=0.5&recvWindow=5000&timestamp=1700000001234";
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.UTF8.GetBytes(payload)));
        Assert.Equal(payload + "&signature=" + expected, query);
    }

    [Fact]
    public async Task Wrong_secret_is_refused_by_the_venue_and_no_order_exists()
    {
        using var client = Binance(_venue, secret: "not-the-secret");
        var result = await client.PlaceOrderAsync(new VenueOrderRequest("td-wrong-secret", Symbol, OrderSide.Buy, OrderType.Market, TimeInForce.Gtc, 0.01m, null, null));
        Assert.Equal(PlaceOrderOutcome.Rejected, result.Outcome);
        Assert.Contains("-1022", result.Reason, StringComparison.Ordinal);
        Assert.True(_venue.SignatureFailures >= 1);
        Assert.Empty(_venue.Orders);
    }

    [Fact]
    public async Task Market_buy_through_the_order_manager_fills_once_and_sets_the_position()
    {
        using var client = Binance(_venue);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        manager.Positions.Mark(Symbol, 2000m);
        var submission = await manager.SubmitAsync(new OrderIntent("buy-1", Symbol, OrderSide.Buy, OrderType.Market, 0.5m));
        await WaitUntilAsync(() => manager.GetOrder(submission.Order.ClientOrderId)?.Status == OrderStatus.Filled, "order filled");

        var remote = Assert.Single(_venue.Orders);
        Assert.Equal(submission.Order.ClientOrderId, remote.ClientOrderId);
        Assert.Equal(0.5m, manager.Positions.QuantityOf(Symbol));
        Assert.Equal(0, _venue.SignatureFailures);

        // Balances as the venue reports them: 10000 - 0.5 * 2000 - fee 1 = 8999 USDT, 0.5 ETH.
        var balances = await client.GetBalancesAsync();
        Assert.Equal(8999m, balances.Single(b => b.Asset == "USDT").Total);
        Assert.Equal(0.5m, balances.Single(b => b.Asset == "ETH").Total);
    }

    [Fact]
    public async Task Insufficient_balance_is_a_rejected_order_and_nothing_exists_on_the_venue()
    {
        _venue.SetBalance("USDT", 50m);
        using var client = Binance(_venue);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        var submission = await manager.SubmitAsync(new OrderIntent("too-big", Symbol, OrderSide.Buy, OrderType.Limit, 1m, LimitPrice: 1900m));

        Assert.Equal(OrderStatus.Rejected, submission.Order.Status);
        Assert.Contains("insufficient balance", submission.Order.StatusReason, StringComparison.Ordinal);
        Assert.Empty(_venue.Orders);
        Assert.Equal(0m, manager.Positions.QuantityOf(Symbol));
        Assert.Equal(1, _venue.PlacementRequests);
    }

    [Fact]
    public async Task Filter_failure_from_the_venue_is_a_rejected_order()
    {
        using var client = Binance(_venue);
        var result = await client.PlaceOrderAsync(new VenueOrderRequest("td-tiny", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.001m, 1900m, null));
        Assert.Equal(PlaceOrderOutcome.Rejected, result.Outcome);
        Assert.Contains("-1013", result.Reason, StringComparison.Ordinal);
        Assert.Empty(_venue.Orders);
    }

    [Fact]
    public async Task Reusing_a_client_order_id_is_reported_as_duplicate_and_creates_nothing()
    {
        using var client = Binance(_venue);
        var request = new VenueOrderRequest("td-dup", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.1m, 1900m, null);
        Assert.Equal(PlaceOrderOutcome.Accepted, (await client.PlaceOrderAsync(request)).Outcome);
        Assert.Equal(PlaceOrderOutcome.DuplicateClientOrderId, (await client.PlaceOrderAsync(request)).Outcome);
        Assert.Single(_venue.Orders);
    }

    [Fact]
    public async Task Placement_answer_lost_after_acceptance_is_found_by_client_order_id_and_not_sent_again()
    {
        _venue.HangNextPlacement = true;
        using var client = Binance(_venue, timeoutMs: 300);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        manager.Positions.Mark(Symbol, 2000m);
        var submission = await manager.SubmitAsync(new OrderIntent("lost-answer", Symbol, OrderSide.Buy, OrderType.Market, 0.25m));

        Assert.Equal(1, _venue.PlacementRequests);
        var remote = Assert.Single(_venue.Orders);
        Assert.Equal(submission.Order.ClientOrderId, remote.ClientOrderId);
        await WaitUntilAsync(() => manager.GetOrder(remote.ClientOrderId)?.Status == OrderStatus.Filled, "order filled");
        Assert.Equal(0.25m, manager.Positions.QuantityOf(Symbol));
        Assert.Contains(manager.GetEvents(remote.ClientOrderId), e => e.Reason.Contains("found on Binance by client order id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Partial_fills_pushed_twice_by_the_user_data_stream_are_applied_once()
    {
        using var client = Binance(_venue, stream: true);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        await WaitUntilAsync(() => _venue.StreamSubscriptions == 1, "stream subscribed");
        var submission = await manager.SubmitAsync(new OrderIntent("rest-1", Symbol, OrderSide.Buy, OrderType.Limit, 0.5m, LimitPrice: 1900m));
        var id = submission.Order.ClientOrderId;

        _venue.Fill(id, 0.2m, pushTimes: 2);
        await WaitUntilAsync(() => manager.GetOrder(id)?.Status == OrderStatus.PartiallyFilled, "partially filled");
        _venue.Fill(id, 0.3m, pushTimes: 2);
        await WaitUntilAsync(() => manager.GetOrder(id)?.Status == OrderStatus.Filled, "filled");

        Assert.Equal(0.5m, manager.GetOrder(id)!.FilledQuantity);
        Assert.Equal(0.5m, manager.Positions.QuantityOf(Symbol));
        Assert.Equal(2, manager.Counters.FillsApplied);
        Assert.True(manager.Counters.DuplicateFills >= 2);
        Assert.Single(_venue.Orders);
    }

    [Fact]
    public async Task Fills_missed_while_the_stream_was_down_are_recovered_after_reconnect()
    {
        using var client = Binance(_venue, stream: true);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        await WaitUntilAsync(() => _venue.StreamSubscriptions == 1, "stream subscribed");
        var id = (await manager.SubmitAsync(new OrderIntent("gap-1", Symbol, OrderSide.Buy, OrderType.Limit, 0.4m, LimitPrice: 1900m))).Order.ClientOrderId;

        await _venue.DropStreamsAsync();
        _venue.Fill(id, 0.4m);
        await WaitUntilAsync(() => _venue.StreamSubscriptions == 2, "stream resubscribed");
        await WaitUntilAsync(() => manager.GetOrder(id)?.Status == OrderStatus.Filled, "filled from myTrades");
        Assert.Equal(0.4m, manager.Positions.QuantityOf(Symbol));
    }

    [Fact]
    public async Task Restart_reconciles_orders_and_fills_that_happened_while_down()
    {
        using var db = new TempExecutionDatabase();
        string id;
        using (var client = Binance(_venue))
        using (var manager = Manager(client, db.Store("Binance")))
        {
            await manager.ReconcileAsync([Symbol]);
            id = (await manager.SubmitAsync(new OrderIntent("restart-1", Symbol, OrderSide.Buy, OrderType.Limit, 0.5m, LimitPrice: 1900m))).Order.ClientOrderId;
            Assert.Equal(OrderStatus.Accepted, manager.GetOrder(id)!.Status);
        }

        // While the process is down the order fills in two parts.
        _venue.Fill(id, 0.2m);
        _venue.Fill(id, 0.3m);

        using var client2 = Binance(_venue);
        using var manager2 = new OrderManager(client2, new PositionBook("USDT", 10_000m, TimeProvider.System), new SymbolRulesRegistry(), db.Store("Binance"), ExecutionOptions(), TimeProvider.System);
        var report = await manager2.ReconcileAsync([Symbol]);

        Assert.Equal(2, report.FillsRecovered);
        Assert.Equal(OrderStatus.Filled, manager2.GetOrder(id)!.Status);
        Assert.Equal(0.5m, manager2.Positions.QuantityOf(Symbol));
        Assert.Empty(report.ForeignOpenOrders);

        // The same intent after the restart is recognised: nothing new is sent.
        var again = await manager2.SubmitAsync(new OrderIntent("restart-1", Symbol, OrderSide.Buy, OrderType.Limit, 0.5m, LimitPrice: 1900m));
        Assert.True(again.IsDuplicate);
        Assert.Single(_venue.Orders);
        Assert.Equal(1, _venue.PlacementRequests);
    }

    [Fact]
    public async Task Venue_side_cancel_reaches_the_order_manager_through_the_stream()
    {
        using var client = Binance(_venue, stream: true);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        await WaitUntilAsync(() => _venue.StreamSubscriptions == 1, "stream subscribed");
        var id = (await manager.SubmitAsync(new OrderIntent("cxl-1", Symbol, OrderSide.Buy, OrderType.Limit, 0.1m, LimitPrice: 1900m))).Order.ClientOrderId;
        _venue.CancelOnVenue(id);
        await WaitUntilAsync(() => manager.GetOrder(id)?.Status == OrderStatus.Canceled, "canceled");
        Assert.Empty(await client.GetOpenOrdersAsync(Symbol));
    }

    [Fact]
    public async Task Cancel_and_query_by_client_order_id()
    {
        using var client = Binance(_venue);
        await client.PlaceOrderAsync(new VenueOrderRequest("td-c1", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.1m, 1900m, null));
        var open = Assert.Single(await client.GetOpenOrdersAsync(null));
        Assert.Equal(("td-c1", OrderStatus.Accepted, 0.1m, 1900m), (open.ClientOrderId, open.Status, open.Quantity, open.LimitPrice!.Value));

        Assert.Equal(CancelOrderOutcome.Canceled, (await client.CancelOrderAsync(Symbol, "td-c1")).Outcome);
        Assert.Equal(CancelOrderOutcome.AlreadyClosed, (await client.CancelOrderAsync(Symbol, "td-c1")).Outcome);
        Assert.Equal(CancelOrderOutcome.NotFound, (await client.CancelOrderAsync(Symbol, "td-never")).Outcome);
        Assert.Equal(OrderStatus.Canceled, (await client.QueryOrderAsync(Symbol, "td-c1"))!.Status);
        Assert.Null(await client.QueryOrderAsync(Symbol, "td-never"));
    }

    [Fact]
    public async Task Exchange_info_filters_become_symbol_rules()
    {
        using var client = Binance(_venue);
        var rules = await client.GetSymbolRulesAsync(Symbol);
        Assert.Equal(("ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m), (rules.BaseAsset, rules.QuoteAsset, rules.TickSize, rules.StepSize, rules.MinQuantity, rules.MinNotional));
        Assert.Equal((9000m, 5m, 0.2m), (rules.MaxQuantity, rules.PriceBandUp, rules.PriceBandDown));
    }

    [Fact]
    public async Task Server_time_offset_is_applied_to_the_timestamp()
    {
        // The venue's clock runs 20 s ahead: far outside the 5 s recvWindow for an uncorrected timestamp.
        _venue.ClockOffsetMs = 20_000;
        using var client = Binance(_venue);
        var result = await client.PlaceOrderAsync(new VenueOrderRequest("td-clock", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.1m, 1900m, null));
        Assert.Equal(PlaceOrderOutcome.Accepted, result.Outcome);
        Assert.Equal(0, _venue.TimestampFailures);
        Assert.InRange(client.ServerTimeOffsetMs, 19_000, 21_000);

        // The clocks drift further apart: the venue refuses once (-1021), the client measures again and re-signs.
        _venue.ClockOffsetMs = 45_000;
        Assert.Single(await client.GetOpenOrdersAsync(Symbol));
        Assert.Equal(1, _venue.TimestampFailures);
        Assert.InRange(client.ServerTimeOffsetMs, 44_000, 46_000);
    }

    [Fact]
    public async Task Retry_after_of_a_429_is_waited_out_before_the_next_request()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _venue.Clock = clock;
        using var client = Binance(_venue, clock);
        await client.SyncServerTimeAsync();
        _venue.ScriptNext("/api/v3/openOrders", 429, 7);

        var pending = client.GetOpenOrdersAsync(Symbol).AsTask();
        await WaitUntilAsync(() => client.BlockedUntil > clock.GetUtcNow(), "client blocked by Retry-After");
        await Task.Delay(100);
        Assert.Single(_venue.Requests, r => r.Path == "/api/v3/openOrders");
        Assert.False(pending.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Empty(await pending);
        var calls = _venue.Requests.Where(r => r.Path == "/api/v3/openOrders").ToList();
        Assert.Equal(2, calls.Count);
        Assert.True(calls[1].ArrivedAtMs - calls[0].ArrivedAtMs >= 7000);
    }

    [Fact]
    public async Task Placement_answered_418_is_not_resent_and_reports_retry_after()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        _venue.Clock = clock;
        using var client = Binance(_venue, clock);
        await client.SyncServerTimeAsync();
        _venue.ScriptNext("/api/v3/order", 418, 120);

        var ex = await Assert.ThrowsAsync<VenueUnavailableException>(() =>
            client.PlaceOrderAsync(new VenueOrderRequest("td-ban", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.1m, 1900m, null)).AsTask());
        Assert.False(ex.MayHaveReachedVenue);
        Assert.Equal(TimeSpan.FromSeconds(120), ex.RetryAfter);
        Assert.Empty(_venue.Orders);
        Assert.Equal(clock.GetUtcNow().AddSeconds(120), client.BlockedUntil);
    }

    [Fact]
    public async Task The_secret_never_appears_in_logs_or_in_the_options_text()
    {
        var logger = new CapturingLogger<BinanceTradingClient>();
        using (var good = Binance(_venue, stream: true, logger: logger))
        using (var manager = Manager(good))
        {
            await manager.ReconcileAsync([Symbol]);
            manager.Positions.Mark(Symbol, 2000m);
            await manager.SubmitAsync(new OrderIntent("log-1", Symbol, OrderSide.Buy, OrderType.Market, 0.1m));
            await manager.SubmitAsync(new OrderIntent("log-2", Symbol, OrderSide.Buy, OrderType.Limit, 100m, LimitPrice: 1900m));
            await _venue.DropStreamsAsync();
            await WaitUntilAsync(() => _venue.StreamSubscriptions == 2, "resubscribed");
        }

        using (var bad = Binance(_venue, secret: "wrong", logger: logger))
        {
            await bad.PlaceOrderAsync(new VenueOrderRequest("td-bad", Symbol, OrderSide.Buy, OrderType.Market, TimeInForce.Gtc, 0.1m, null, null));
        }

        Assert.NotEmpty(logger.Lines);
        Assert.DoesNotContain(logger.Lines, l => l.Contains(FakeSpotVenue.ApiSecret, StringComparison.Ordinal) || l.Contains("signature=", StringComparison.Ordinal));
        var options = BinanceOptions(_venue);
        Assert.DoesNotContain(FakeSpotVenue.ApiSecret, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSpotVenue.ApiSecret, options.Credentials().ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(FakeSpotVenue.ApiKey, options.ToString(), StringComparison.Ordinal);
    }
}
