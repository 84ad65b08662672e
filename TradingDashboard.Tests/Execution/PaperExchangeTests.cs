using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class PaperExchangeTests
{
    private const long M = 60_000;

    private static (PaperExchange Exchange, List<ExecutionReport> Reports, Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock) Setup(PaperExchangeOptions options, double lastClose = 2000)
    {
        var clock = Clock();
        var exchange = new PaperExchange(options, Registry(), "USDT", clock);
        exchange.OnBar(Bar("ETHUSDT", T0 - M, lastClose, lastClose, lastClose, lastClose, 10)); // last price, no orders yet
        return (exchange, Record(exchange), clock);
    }

    private static List<Fill> Fills(List<ExecutionReport> reports) => reports.Where(r => r.Kind == ExecutionReportKind.Fill).Select(r => r.Fill!).ToList();

    [Fact]
    public async Task Market_buy_fills_at_next_open_with_slippage_and_taker_fee()
    {
        var (ex, reports, _) = Setup(Paper(taker: 0.001m, maker: 0.0005m, slippageBps: 10m));
        var placed = await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Market, 1m));
        Assert.Equal(PlaceOrderOutcome.Accepted, placed.Outcome);

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2010, 1990, 2005, 100));

        var fill = Assert.Single(Fills(reports));
        Assert.Equal(2002.00m, fill.Price); // 2000 x (1 + 10 bps)
        Assert.Equal(2.002m, fill.Fee); // 1 x 2002 x 0.001
        Assert.Equal("USDT", fill.FeeAsset);
        Assert.False(fill.IsMaker);
        Assert.Equal("c1-1", fill.TradeId);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0), fill.Time);
        Assert.Equal(7995.998m, ex.BalanceOf("USDT")); // 10000 - 2002 - 2.002
        Assert.Equal(1m, ex.BalanceOf("ETH"));
        Assert.Equal(OrderStatus.Filled, (await ex.QueryOrderAsync("ETHUSDT", "c1"))!.Status);
        Assert.Equal(0, ex.OpenOrderCount);
    }

    [Fact]
    public async Task Latency_keeps_an_order_out_of_a_candle_that_closes_before_it_arrives()
    {
        var (ex, reports, clock) = Setup(Paper(latencyMs: 50));
        clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 59_990)); // eligible at T0 + 60040
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Market, 1m));

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2010, 1990, 2005, 100)); // closes at T0 + 59999
        Assert.Empty(reports);

        ex.OnBar(Bar("ETHUSDT", T0 + M, 2001, 2010, 1990, 2005, 100));
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(2001m, fill.Price);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 60_040), fill.Time);
    }

    [Fact]
    public async Task Resting_limit_fills_as_maker_only_when_traded_through()
    {
        var (ex, reports, _) = Setup(Paper(taker: 0.001m, maker: 0.0005m, slippageBps: 10m));
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1990m));

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2005, 1990, 2001, 100)); // touches 1990, does not trade through
        Assert.Empty(reports);

        ex.OnBar(Bar("ETHUSDT", T0 + M, 1995, 1998, 1989.99, 1992, 100));
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(1990m, fill.Price); // the limit, no slippage
        Assert.True(fill.IsMaker);
        Assert.Equal(0.995m, fill.Fee); // 1 x 1990 x 0.0005
    }

    [Fact]
    public async Task Limit_marketable_at_arrival_fills_as_taker_at_the_open_capped_by_the_limit()
    {
        var (ex, reports, _) = Setup(Paper(taker: 0.001m, slippageBps: 10m));
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 2001m));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2010, 1995, 2005, 100));
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(2001m, fill.Price); // open 2000 + 10 bps = 2002, capped at the limit 2001
        Assert.False(fill.IsMaker);
    }

    [Fact]
    public async Task Sell_stop_triggers_at_the_stop_and_at_the_open_on_a_gap()
    {
        var (ex, reports, _) = Setup(Paper(taker: 0.001m, slippageBps: 10m));
        ex.SetBalances(new Dictionary<string, decimal> { ["USDT"] = 0m, ["ETH"] = 2m });
        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        await ex.PlaceOrderAsync(Request("s2", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1930m));

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2005, 1960, 1970, 100));
        Assert.Empty(reports);

        ex.OnBar(Bar("ETHUSDT", T0 + M, 1970, 1975, 1940, 1945, 100)); // s1 hit inside the candle
        var first = Assert.Single(Fills(reports));
        Assert.Equal(1948.05m, first.Price); // 1950 x (1 - 10 bps)
        Assert.Equal(1.94805m, first.Fee);

        ex.OnBar(Bar("ETHUSDT", T0 + 2 * M, 1900, 1910, 1890, 1905, 100)); // s2: opened below its stop
        var second = Fills(reports)[1];
        Assert.Equal(1898.10m, second.Price); // 1900 x (1 - 10 bps)
        Assert.Equal(1948.05m - 1.94805m + 1898.10m - 1.8981m, ex.BalanceOf("USDT"));
        Assert.Equal(0m, ex.BalanceOf("ETH"));
    }

    [Fact]
    public async Task Stop_limit_not_marketable_at_trigger_rests_and_fills_later_as_maker()
    {
        var (ex, reports, _) = Setup(Paper(maker: 0.0005m, taker: 0.001m));
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.StopLimit, 1m, limit: 2005m, stop: 2010m));
        ex.OnBar(Bar("ETHUSDT", T0, 2012, 2020, 2008, 2015, 100)); // gap over the stop: trigger 2012 > limit 2005
        Assert.Empty(reports);
        ex.OnBar(Bar("ETHUSDT", T0 + M, 2010, 2011, 2004, 2006, 100)); // trades through 2005
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(2005m, fill.Price);
        Assert.True(fill.IsMaker);
    }

    [Fact]
    public async Task Volume_participation_splits_a_market_order_into_partial_fills_with_size_impact()
    {
        var (ex, reports, _) = Setup(Paper(participation: 0.1m, impactBps: 10m));
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Market, 1m));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 5)); // capacity 0.1 x 5 = 0.5
        Assert.Equal(OrderStatus.PartiallyFilled, (await ex.QueryOrderAsync("ETHUSDT", "c1"))!.Status);
        ex.OnBar(Bar("ETHUSDT", T0 + M, 2000, 2000, 2000, 2000, 5));

        var fills = Fills(reports);
        Assert.Equal(2, fills.Count);
        Assert.All(fills, f => Assert.Equal(0.5m, f.Quantity));
        Assert.All(fills, f => Assert.Equal(2000.2m, f.Price)); // impact 10 bps x (0.5 / 5) = 1 bp
        Assert.Equal(["c1-1", "c1-2"], fills.Select(f => f.TradeId));
        Assert.Equal(OrderStatus.Filled, (await ex.QueryOrderAsync("ETHUSDT", "c1"))!.Status);
    }

    [Fact]
    public async Task Participation_is_shared_first_placed_first_served()
    {
        var (ex, reports, _) = Setup(Paper(participation: 0.1m));
        await ex.PlaceOrderAsync(Request("a", OrderSide.Buy, OrderType.Market, 0.4m));
        await ex.PlaceOrderAsync(Request("b", OrderSide.Buy, OrderType.Market, 0.4m));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 5)); // capacity 0.5: a gets 0.4, b gets 0.1
        var fills = Fills(reports);
        Assert.Equal(("a", 0.4m), (fills[0].ClientOrderId, fills[0].Quantity));
        Assert.Equal(("b", 0.1m), (fills[1].ClientOrderId, fills[1].Quantity));
    }

    [Fact]
    public async Task Ioc_expires_the_rest_and_fok_fills_all_or_nothing()
    {
        var (ex, reports, _) = Setup(Paper(participation: 0.1m));
        await ex.PlaceOrderAsync(Request("ioc", OrderSide.Buy, OrderType.Market, 1m, tif: TimeInForce.Ioc));
        await ex.PlaceOrderAsync(Request("fok", OrderSide.Buy, OrderType.Limit, 1m, limit: 2100m, tif: TimeInForce.Fok));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 5));

        Assert.Equal(0.5m, Assert.Single(Fills(reports)).Quantity);
        Assert.Equal(OrderStatus.Expired, (await ex.QueryOrderAsync("ETHUSDT", "ioc"))!.Status);
        Assert.Equal(0.5m, (await ex.QueryOrderAsync("ETHUSDT", "ioc"))!.FilledQuantity);
        var fok = (await ex.QueryOrderAsync("ETHUSDT", "fok"))!;
        Assert.Equal(OrderStatus.Expired, fok.Status);
        Assert.Equal(0m, fok.FilledQuantity);
        Assert.Equal(2, reports.Count(r => r.Kind == ExecutionReportKind.Expired));
    }

    [Fact]
    public async Task Ioc_limit_not_marketable_at_arrival_expires_instead_of_resting()
    {
        var (ex, reports, _) = Setup(Paper());
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1990m, tif: TimeInForce.Ioc));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2005, 1980, 1995, 100)); // trades through later in the candle, but IOC never rests
        Assert.Empty(Fills(reports));
        Assert.Equal(OrderStatus.Expired, (await ex.QueryOrderAsync("ETHUSDT", "c1"))!.Status);
    }

    [Fact]
    public async Task Spot_balances_are_enforced_at_placement()
    {
        var (ex, _, _) = Setup(Paper(cash: 1000m, taker: 0.001m));
        var buy = await ex.PlaceOrderAsync(Request("b", OrderSide.Buy, OrderType.Market, 1m));
        Assert.Equal(PlaceOrderOutcome.Rejected, buy.Outcome);
        Assert.StartsWith(RejectCodes.InsufficientBalance, buy.Reason, StringComparison.Ordinal);
        var sell = await ex.PlaceOrderAsync(Request("s", OrderSide.Sell, OrderType.Market, 0.01m));
        Assert.Equal(PlaceOrderOutcome.Rejected, sell.Outcome);

        // 0.4 at 2000 x 1.001 = 800.8 fits; a second one does not fit beside the first (reserved)
        Assert.Equal(PlaceOrderOutcome.Accepted, (await ex.PlaceOrderAsync(Request("b1", OrderSide.Buy, OrderType.Limit, 0.4m, limit: 2000m))).Outcome);
        Assert.Equal(PlaceOrderOutcome.Rejected, (await ex.PlaceOrderAsync(Request("b2", OrderSide.Buy, OrderType.Limit, 0.4m, limit: 2000m))).Outcome);
        var usdt = (await ex.GetBalancesAsync()).Single(b => b.Asset == "USDT");
        Assert.Equal(800.8m, usdt.Locked);
        Assert.Equal(199.2m, usdt.Free);
    }

    [Fact]
    public async Task A_fill_the_balance_cannot_pay_is_reduced_to_what_it_can_pay()
    {
        var (ex, reports, _) = Setup(Paper(cash: 2001m));
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Market, 1m)); // fits at the last price 2000
        ex.OnBar(Bar("ETHUSDT", T0, 2500, 2500, 2500, 2500, 100)); // but the market jumped
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(0.8004m, fill.Quantity); // floor(2001 / 2500, step 0.0001)
        Assert.True(ex.BalanceOf("USDT") >= 0m);
    }

    [Fact]
    public async Task Duplicate_client_order_id_creates_nothing()
    {
        var (ex, _, _) = Setup(Paper());
        Assert.Equal(PlaceOrderOutcome.Accepted, (await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1900m))).Outcome);
        Assert.Equal(PlaceOrderOutcome.DuplicateClientOrderId, (await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1900m))).Outcome);
        Assert.Single(await ex.GetOpenOrdersAsync(null));
    }

    [Fact]
    public async Task Off_tick_prices_and_off_step_quantities_are_refused_like_a_real_venue()
    {
        var (ex, _, _) = Setup(Paper());
        var r1 = await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1900.005m));
        var r2 = await ex.PlaceOrderAsync(Request("c2", OrderSide.Buy, OrderType.Limit, 0.00005m + 1m, limit: 1900m));
        Assert.Equal(PlaceOrderOutcome.Rejected, r1.Outcome);
        Assert.Equal(PlaceOrderOutcome.Rejected, r2.Outcome);
        Assert.Contains("filter failure", r1.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trades_match_resting_orders_and_candles_they_covered_are_not_matched_again()
    {
        var (ex, reports, _) = Setup(Paper(maker: 0.001m));
        ex.SetBalances(new Dictionary<string, decimal> { ["USDT"] = 0m, ["ETH"] = 1m });
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Sell, OrderType.Limit, 1m, limit: 2010m));
        ex.OnTrade(new MarketTick("test", "ETHUSDT", 1, 2009, 5, false, T0 + 500, T0 + 500)); // arrival: not marketable, rests
        ex.OnTrade(new MarketTick("test", "ETHUSDT", 2, 2010, 5, false, T0 + 1000, T0 + 1000)); // touch only
        Assert.Empty(reports);
        ex.OnTrade(new MarketTick("test", "ETHUSDT", 3, 2010.5, 0.25, false, T0 + 2000, T0 + 2000)); // through, 0.25 available
        var fill = Assert.Single(Fills(reports));
        Assert.Equal((0.25m, 2010m, true), (fill.Quantity, fill.Price, fill.IsMaker));

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2020, 1990, 2015, 100)); // the same minute as a candle: no second match
        Assert.Single(Fills(reports));

        ex.OnTrade(new MarketTick("test", "ETHUSDT", 4, 2011, 10, false, T0 + 3000, T0 + 3000));
        Assert.Equal(0.75m, Fills(reports)[1].Quantity);
        Assert.Equal(OrderStatus.Filled, (await ex.QueryOrderAsync("ETHUSDT", "c1"))!.Status);
    }

    [Fact]
    public async Task Forming_candles_never_fill()
    {
        var (ex, reports, _) = Setup(Paper());
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Market, 1m));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 2000, 2000, 100, closed: false));
        Assert.Empty(reports);
    }

    [Fact]
    public async Task Cancel_closes_an_open_order_once()
    {
        var (ex, reports, _) = Setup(Paper());
        await ex.PlaceOrderAsync(Request("c1", OrderSide.Buy, OrderType.Limit, 1m, limit: 1900m));
        Assert.Equal(CancelOrderOutcome.Canceled, (await ex.CancelOrderAsync("ETHUSDT", "c1")).Outcome);
        Assert.Equal(CancelOrderOutcome.AlreadyClosed, (await ex.CancelOrderAsync("ETHUSDT", "c1")).Outcome);
        Assert.Equal(CancelOrderOutcome.NotFound, (await ex.CancelOrderAsync("ETHUSDT", "nope")).Outcome);
        ex.OnBar(Bar("ETHUSDT", T0, 1800, 1800, 1800, 1800, 100));
        Assert.Empty(reports);
    }

    [Fact]
    public async Task Same_orders_and_data_give_identical_fills()
    {
        async Task<List<Fill>> Run()
        {
            var (ex, reports, clock) = Setup(Paper(taker: 0.001m, maker: 0.0005m, slippageBps: 3m, impactBps: 20m, participation: 0.2m, latencyMs: 25));
            var random = new Random(7);
            var price = 2000.0;
            for (var i = 0; i < 300; i++)
            {
                clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(T0 + i * M));
                if (i % 7 == 0)
                {
                    var side = (i / 7) % 2 == 0 ? OrderSide.Buy : OrderSide.Sell;
                    await ex.PlaceOrderAsync(Request("c" + i, side, side == OrderSide.Buy ? OrderType.Market : OrderType.Limit, 0.5m, limit: side == OrderSide.Sell ? Math.Round((decimal)price, 2) + 1m : null));
                }

                var open = price;
                price *= 1 + (random.NextDouble() - 0.5) * 0.004;
                ex.OnBar(Bar("ETHUSDT", T0 + i * M, open, Math.Max(open, price) + 1, Math.Min(open, price) - 1, price, 3 + random.NextDouble() * 5));
            }

            return Fills(reports);
        }

        var a = await Run();
        var b = await Run();
        Assert.NotEmpty(a);
        Assert.Equal(a, b);
    }
}
