using TradingDashboard.Core.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

/// <summary>The paper venue's in-place stop amend: what it allows and that it matches as a replacement would.</summary>
public class PaperExchangeAmendTests
{
    private const long M = 60_000;

    private static (PaperExchange Exchange, List<ExecutionReport> Reports, Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock) Setup(PaperExchangeOptions options)
    {
        var clock = Clock();
        var exchange = new PaperExchange(options, Registry(), "USDT", clock);
        exchange.OnBar(Bar("ETHUSDT", T0 - M, 2000, 2000, 2000, 2000, 10));
        exchange.SetBalances(new Dictionary<string, decimal> { ["USDT"] = 1000m, ["ETH"] = 2m });
        return (exchange, Record(exchange), clock);
    }

    private static List<Fill> Fills(List<ExecutionReport> reports) => reports.Where(r => r.Kind == ExecutionReportKind.Fill).Select(r => r.Fill!).ToList();

    [Fact]
    public async Task An_amended_stop_triggers_at_its_new_price_under_its_id()
    {
        var (ex, reports, _) = Setup(Paper());
        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        var amended = await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1980m);
        Assert.Equal(AmendOrderOutcome.Amended, amended.Outcome);
        Assert.Equal(1980m, (await ex.QueryOrderAsync("ETHUSDT", "s1"))!.StopPrice);

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2005, 1975, 1990, 100)); // reaches 1980, not 1950
        var fill = Assert.Single(Fills(reports));
        Assert.Equal(1980m, fill.Price);
        Assert.Equal("s1-1", fill.TradeId);
    }

    [Fact]
    public async Task An_amend_waits_the_latency_as_a_new_order_would()
    {
        var (ex, reports, clock) = Setup(Paper(latencyMs: 50));
        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        clock.SetUtcNow(DateTimeOffset.FromUnixTimeMilliseconds(T0 + 59_990)); // the amend arrives at T0 + 60040
        await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1980m);

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2005, 1940, 1990, 100)); // closes at T0 + 59999: before the amend arrived
        Assert.Empty(reports);
        ex.OnBar(Bar("ETHUSDT", T0 + M, 1990, 1995, 1975, 1985, 100));
        Assert.Equal(1980m, Assert.Single(Fills(reports)).Price);
    }

    [Fact]
    public async Task An_amended_stop_goes_to_the_back_of_the_queue()
    {
        var (ex, reports, _) = Setup(Paper(participation: 0.1m));
        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        await ex.PlaceOrderAsync(Request("s2", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1960m);

        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 1900, 1910, 10)); // capacity 1: both hit, first come first served
        var fill = Assert.Single(Fills(reports));
        Assert.Equal("s2", fill.ClientOrderId);
    }

    [Fact]
    public async Task Only_open_untriggered_unfilled_stops_can_be_amended()
    {
        var (ex, _, _) = Setup(Paper(participation: 0.1m));
        Assert.Equal(AmendOrderOutcome.NotFound, (await ex.AmendStopPriceAsync("ETHUSDT", "none", 1900m)).Outcome);

        await ex.PlaceOrderAsync(Request("l1", OrderSide.Buy, OrderType.Limit, 0.1m, limit: 1500m));
        Assert.Equal(AmendOrderOutcome.Rejected, (await ex.AmendStopPriceAsync("ETHUSDT", "l1", 1900m)).Outcome);
        Assert.Equal(AmendOrderOutcome.NotFound, (await ex.AmendStopPriceAsync("BTCUSDT", "l1", 1900m)).Outcome);

        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 2m, stop: 1950m));
        ex.OnBar(Bar("ETHUSDT", T0, 2000, 2000, 1940, 1945, 10)); // triggered, 1 of 2 filled (capacity 1)
        Assert.Equal(AmendOrderOutcome.Rejected, (await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1900m)).Outcome);

        await ex.CancelOrderAsync("ETHUSDT", "s1");
        Assert.Equal(AmendOrderOutcome.AlreadyClosed, (await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1900m)).Outcome);
    }

    [Fact]
    public async Task An_amend_meets_the_checks_of_a_new_order()
    {
        var (ex, _, _) = Setup(Paper());
        await ex.PlaceOrderAsync(Request("b1", OrderSide.Buy, OrderType.StopMarket, 0.4m, stop: 2100m)); // holds 840 of 1000 USDT
        Assert.Equal(AmendOrderOutcome.Amended, (await ex.AmendStopPriceAsync("ETHUSDT", "b1", 2400m)).Outcome); // 960: its own hold is released
        Assert.Equal(AmendOrderOutcome.Rejected, (await ex.AmendStopPriceAsync("ETHUSDT", "b1", 2600m)).Outcome); // 1040 > 1000
        Assert.Equal(AmendOrderOutcome.Rejected, (await ex.AmendStopPriceAsync("ETHUSDT", "b1", 2400.005m)).Outcome); // off the tick
        Assert.Equal(2400m, (await ex.QueryOrderAsync("ETHUSDT", "b1"))!.StopPrice); // refused amends change nothing
    }

    [Fact]
    public async Task A_venue_configured_without_amend_says_so()
    {
        var options = Paper();
        options.AmendStopOrders = false;
        var (ex, _, _) = Setup(options);
        Assert.False(ex.Capabilities.SupportsStopAmend);
        await ex.PlaceOrderAsync(Request("s1", OrderSide.Sell, OrderType.StopMarket, 1m, stop: 1950m));
        Assert.Equal(AmendOrderOutcome.NotSupported, (await ex.AmendStopPriceAsync("ETHUSDT", "s1", 1980m)).Outcome);
        Assert.Equal(1950m, (await ex.QueryOrderAsync("ETHUSDT", "s1"))!.StopPrice);
    }
}
