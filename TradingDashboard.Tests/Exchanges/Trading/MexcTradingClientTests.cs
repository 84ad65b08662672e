using TradingDashboard.Core.Execution;
using TradingDashboard.Tests.Fakes;
using static TradingDashboard.Tests.Exchanges.Trading.VenueTestKit;

namespace TradingDashboard.Tests.Exchanges.Trading;

public sealed class MexcTradingClientTests : IAsyncLifetime
{
    private const string Symbol = "ETHUSDT";
    private FakeMexcTradingServer _venue = null!;

    public async Task InitializeAsync() => _venue = await FakeMexcTradingServer.StartAsync();

    public async Task DisposeAsync() => await _venue.DisposeAsync();

    [Fact]
    public async Task Wrong_secret_is_refused_and_no_order_exists()
    {
        using var client = Mexc(_venue, secret: "nope");
        var result = await client.PlaceOrderAsync(new VenueOrderRequest("td-m-wrong", Symbol, OrderSide.Buy, OrderType.Limit, TimeInForce.Gtc, 0.1m, 1900m, null));
        Assert.Equal(PlaceOrderOutcome.Rejected, result.Outcome);
        Assert.True(_venue.SignatureFailures >= 1);
        Assert.Empty(_venue.Orders);
    }

    [Fact]
    public async Task Exchange_info_precisions_become_symbol_rules()
    {
        using var client = Mexc(_venue);
        var rules = await client.GetSymbolRulesAsync(Symbol);
        Assert.Equal(("ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m, 2_000_000m), (rules.BaseAsset, rules.QuoteAsset, rules.TickSize, rules.StepSize, rules.MinQuantity, rules.MinNotional, rules.MaxNotional!.Value));
    }

    [Fact]
    public async Task Stop_orders_are_refused_locally_because_MEXC_spot_has_none()
    {
        using var client = Mexc(_venue);
        Assert.False(client.Capabilities.SupportsStopMarket);
        var result = await client.PlaceOrderAsync(new VenueOrderRequest("td-m-stop", Symbol, OrderSide.Sell, OrderType.StopMarket, TimeInForce.Gtc, 0.1m, null, 1800m));
        Assert.Equal(PlaceOrderOutcome.Rejected, result.Outcome);
        Assert.Equal(0, _venue.PlacementRequests);
    }

    [Fact]
    public async Task Polling_applies_partial_fills_once_even_when_trades_are_read_again()
    {
        using var client = Mexc(_venue);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        var id = (await manager.SubmitAsync(new OrderIntent("m-rest", Symbol, OrderSide.Buy, OrderType.Limit, 0.5m, LimitPrice: 1900m))).Order.ClientOrderId;
        Assert.Equal(OrderStatus.Accepted, manager.GetOrder(id)!.Status);

        _venue.Fill(id, 0.2m);
        Assert.Equal(1, await client.PollOnceAsync());
        Assert.Equal(0, await client.PollOnceAsync());
        Assert.Equal(OrderStatus.PartiallyFilled, manager.GetOrder(id)!.Status);
        Assert.Equal(0.2m, manager.Positions.QuantityOf(Symbol));

        _venue.Fill(id, 0.3m);
        Assert.Equal(1, await client.PollOnceAsync());
        Assert.Equal(OrderStatus.Filled, manager.GetOrder(id)!.Status);
        Assert.Equal(0.5m, manager.Positions.QuantityOf(Symbol));
        Assert.Equal(2, manager.Counters.FillsApplied);

        // A second client (or a replayed poll) delivers the same trades again: the order manager drops them by trade id.
        using var again = Mexc(_venue);
        foreach (var fill in await again.GetFillsAsync(Symbol, DateTimeOffset.UtcNow.AddMinutes(-5)))
        {
            Assert.Equal(id, fill.ClientOrderId);
        }

        Assert.Single(_venue.Orders);
    }

    [Fact]
    public async Task Polling_reports_a_cancel_made_on_the_venue()
    {
        using var client = Mexc(_venue);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        var id = (await manager.SubmitAsync(new OrderIntent("m-cxl", Symbol, OrderSide.Buy, OrderType.Limit, 0.1m, LimitPrice: 1900m))).Order.ClientOrderId;
        _venue.CancelOnVenue(id);
        await client.PollOnceAsync();
        Assert.Equal(OrderStatus.Canceled, manager.GetOrder(id)!.Status);
    }

    [Fact]
    public async Task Market_order_whose_answer_is_lost_is_found_by_client_order_id_and_sent_once()
    {
        _venue.HangNextPlacement = true;
        using var client = Mexc(_venue, timeoutMs: 300);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        manager.Positions.Mark(Symbol, 2000m);
        var id = (await manager.SubmitAsync(new OrderIntent("m-lost", Symbol, OrderSide.Buy, OrderType.Market, 0.25m))).Order.ClientOrderId;

        Assert.Equal(1, _venue.PlacementRequests);
        Assert.Equal(id, Assert.Single(_venue.Orders).ClientOrderId);
        Assert.Equal(OrderStatus.Filled, manager.GetOrder(id)!.Status);
        Assert.Equal(0.25m, manager.Positions.QuantityOf(Symbol));
    }

    [Fact]
    public async Task Insufficient_balance_is_rejected_and_nothing_is_placed()
    {
        _venue.SetBalance("USDT", 100m);
        using var client = Mexc(_venue);
        using var manager = Manager(client);
        await manager.ReconcileAsync([Symbol]);
        var submission = await manager.SubmitAsync(new OrderIntent("m-big", Symbol, OrderSide.Buy, OrderType.Limit, 1m, LimitPrice: 1900m));
        Assert.Equal(OrderStatus.Rejected, submission.Order.Status);
        Assert.Empty(_venue.Orders);
    }

    [Fact]
    public async Task Restart_recovers_fills_made_while_down()
    {
        using var db = new TempExecutionDatabase();
        string id;
        using (var client = Mexc(_venue))
        using (var manager = Manager(client, db.Store("Mexc")))
        {
            await manager.ReconcileAsync([Symbol]);
            id = (await manager.SubmitAsync(new OrderIntent("m-restart", Symbol, OrderSide.Buy, OrderType.Limit, 0.5m, LimitPrice: 1900m))).Order.ClientOrderId;
        }

        _venue.Fill(id, 0.1m);
        _venue.Fill(id, 0.15m);

        using var client2 = Mexc(_venue);
        using var manager2 = Manager(client2, db.Store("Mexc"));
        var report = await manager2.ReconcileAsync([Symbol]);
        Assert.Equal(2, report.FillsRecovered);
        Assert.Equal(OrderStatus.PartiallyFilled, manager2.GetOrder(id)!.Status);
        Assert.Equal(0.25m, manager2.Positions.QuantityOf(Symbol));
        Assert.Single(_venue.Orders);

        // The new client has not seen any trade yet: its first poll reads all three; the two recovered ones are dropped.
        _venue.Fill(id, 0.25m);
        Assert.Equal(3, await client2.PollOnceAsync());
        Assert.Equal(2, manager2.Counters.DuplicateFills);
        Assert.Equal(OrderStatus.Filled, manager2.GetOrder(id)!.Status);
        Assert.Equal(0.5m, manager2.Positions.QuantityOf(Symbol));
    }
}
