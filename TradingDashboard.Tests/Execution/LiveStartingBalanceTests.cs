using TradingDashboard.Core.Execution;
using TradingDashboard.Tests.Exchanges.Trading;
using TradingDashboard.Tests.Fakes;
using static TradingDashboard.Tests.Exchanges.Trading.VenueTestKit;

namespace TradingDashboard.Tests.Execution;

/// <summary>
/// Where the starting cash comes from: the first Live start reads the venue's balances (not Paper:InitialCash), a
/// restart restores the persisted cash and reconciles it with the venue, Paper mode keeps its configured cash.
/// </summary>
public sealed class LiveStartingBalanceTests
{
    private const string Symbol = "ETHUSDT";
    private const decimal ConfiguredCash = 10_000m; // what Paper:InitialCash would give

    [Theory]
    [InlineData("Binance")]
    [InlineData("Mexc")]
    public async Task First_live_start_takes_its_cash_from_the_venue_and_logs_it(string venueName)
    {
        await using var venue = venueName == "Binance" ? (FakeSpotVenue)await FakeBinanceTradingServer.StartAsync() : await FakeMexcTradingServer.StartAsync();
        venue.SetBalance("USDT", 2_345m);
        venue.SetBalance("BTC", 3m); // held before this system: logged, not adopted
        using var db = new TempExecutionDatabase();
        var store = db.Store(venueName);
        var logger = new CapturingLogger<OrderManager>();
        using var client = venueName == "Binance" ? (IDisposable)Binance(venue) : Mexc(venue);
        using var manager = new OrderManager((IBrokerageApi)client, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), store, ExecutionOptions(), TimeProvider.System, logger);

        var report = await manager.ReconcileAsync([Symbol]);

        Assert.Equal(2_345m, manager.Positions.Cash);
        Assert.Equal(2_345m, report.StartingCashFromVenue);
        Assert.Equal(2_345m, store.Load().Cash);
        Assert.Empty(report.BalanceMismatches);
        Assert.Equal(0m, manager.Positions.QuantityOf("BTCUSDT"));
        Assert.Contains(venueName, store.GetState(OrderManager.StartingBalancesKey), StringComparison.Ordinal);
        Assert.Contains(logger.Lines, l => l.Contains("taken from the venue's balances", StringComparison.Ordinal) && l.Contains("Cash=2345", StringComparison.Ordinal) && l.Contains("InitialCash=10000", StringComparison.Ordinal));
        Assert.Contains(logger.Lines, l => l.Contains("Asset=BTC", StringComparison.Ordinal) && l.Contains("Amount=3", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Restart_restores_the_persisted_cash_and_reconciles_it_with_the_venue()
    {
        await using var venue = await FakeBinanceTradingServer.StartAsync();
        venue.SetBalance("USDT", 3_000m);
        using var db = new TempExecutionDatabase();
        using (var client = Binance(venue))
        using (var manager = new OrderManager(client, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), db.Store("Binance"), ExecutionOptions(), TimeProvider.System))
        {
            await manager.ReconcileAsync([Symbol]);
            manager.Positions.Mark(Symbol, 2000m);
            var order = (await manager.SubmitAsync(new OrderIntent("live-buy-1", Symbol, OrderSide.Buy, OrderType.Market, 0.5m))).Order;
            await WaitUntilAsync(() => manager.GetOrder(order.ClientOrderId)?.Status == OrderStatus.Filled, "order filled");

            // 3000 - 0.5 x 2000 - fee 0.1 % of 1000 = 1999, on both sides.
            Assert.Equal(1_999m, manager.Positions.Cash);
            Assert.Equal(1_999m, venue.Balance("USDT"));
        }

        using var client2 = Binance(venue);
        var logger = new CapturingLogger<OrderManager>();
        using var restarted = new OrderManager(client2, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), db.Store("Binance"), ExecutionOptions(), TimeProvider.System, logger);
        var report = await restarted.ReconcileAsync([Symbol]);
        Assert.Null(report.StartingCashFromVenue);
        Assert.Equal(1_999m, restarted.Positions.Cash);
        Assert.Equal(0.5m, restarted.Positions.QuantityOf(Symbol));
        Assert.Empty(report.BalanceMismatches);
        Assert.DoesNotContain(logger.Lines, l => l.Contains("taken from the venue's balances", StringComparison.Ordinal));

        // A later start does not take the venue's word for the cash: a difference is reported, not silently adopted.
        venue.SetBalance("USDT", 2_500m);
        using var client3 = Binance(venue);
        using var again = new OrderManager(client3, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), db.Store("Binance"), ExecutionOptions(), TimeProvider.System);
        var third = await again.ReconcileAsync([Symbol]);
        Assert.Equal(1_999m, again.Positions.Cash);
        Assert.Contains(third.BalanceMismatches, m => m.StartsWith("USDT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Venue_without_an_answer_on_the_first_live_start_leaves_nothing_ready_or_stored()
    {
        await using var venue = await FakeBinanceTradingServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            venue.ScriptNext("/api/v3/account", 503, null);
        }

        using var db = new TempExecutionDatabase();
        var store = db.Store("Binance");
        using var client = Binance(venue);
        using var manager = new OrderManager(client, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), store, ExecutionOptions(), TimeProvider.System);

        await Assert.ThrowsAnyAsync<Exception>(() => manager.ReconcileAsync([Symbol]));
        Assert.False(manager.IsReady);
        Assert.Null(store.Load().Cash);
        await Assert.ThrowsAsync<InvalidOperationException>(() => manager.SubmitAsync(new OrderIntent("too-early", Symbol, OrderSide.Buy, OrderType.Market, 0.1m)));
    }

    [Fact]
    public async Task Paper_mode_keeps_the_configured_cash_even_on_a_real_venue()
    {
        await using var venue = await FakeBinanceTradingServer.StartAsync();
        venue.SetBalance("USDT", 777m);
        using var db = new TempExecutionDatabase();
        var store = db.Store("Binance");
        using var client = Binance(venue);
        using var manager = new OrderManager(client, new PositionBook("USDT", ConfiguredCash, TimeProvider.System), new SymbolRulesRegistry(), store, Paper(ExecutionOptions()), TimeProvider.System);

        var report = await manager.ReconcileAsync([Symbol]);
        Assert.Equal(ConfiguredCash, manager.Positions.Cash);
        Assert.Null(report.StartingCashFromVenue);
        Assert.Equal(ConfiguredCash, store.Load().Cash);
        Assert.Null(store.GetState(OrderManager.StartingBalancesKey));
    }

    [Fact]
    public async Task Paper_exchange_keeps_paper_initial_cash()
    {
        var clock = TimeProvider.System;
        var rules = new SymbolRulesRegistry([ExecutionTestKit.EthUsdt]);
        var exchange = new PaperExchange(new PaperExchangeOptions { InitialCash = 5_000m }, rules, "USDT", clock);
        using var manager = new OrderManager(exchange, new PositionBook("USDT", 5_000m, clock), rules, NullExecutionStore.Instance, new ExecutionOptions { Paper = new PaperExchangeOptions { InitialCash = 5_000m } }, clock);
        var report = await manager.ReconcileAsync([Symbol]);
        Assert.Equal(5_000m, manager.Positions.Cash);
        Assert.Null(report.StartingCashFromVenue);
    }

    private static ExecutionOptions Paper(ExecutionOptions options)
    {
        options.Mode = TradingMode.Paper;
        return options;
    }
}
