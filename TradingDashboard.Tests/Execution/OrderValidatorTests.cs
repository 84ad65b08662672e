using TradingDashboard.Core.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class OrderValidatorTests
{
    private static OrderIntent Limit(OrderSide side, decimal qty, decimal price) => new("i", "ETHUSDT", side, OrderType.Limit, qty, price);

    [Theory]
    [InlineData(OrderSide.Buy, "2000.019", "2000.01")] // buy rounds down
    [InlineData(OrderSide.Sell, "2000.011", "2000.02")] // sell rounds up
    [InlineData(OrderSide.Buy, "2000.01", "2000.01")] // on the tick: unchanged
    [InlineData(OrderSide.Sell, "2000.01", "2000.01")]
    public void Limit_price_rounds_to_tick_never_worse_than_asked(OrderSide side, string asked, string expected)
    {
        var result = OrderValidator.Validate(Limit(side, 1m, decimal.Parse(asked, System.Globalization.CultureInfo.InvariantCulture)), EthUsdt, 2000m);
        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), result.Normalized.LimitPrice);
    }

    [Fact]
    public void Stop_prices_round_so_protective_stops_never_trigger_later()
    {
        // A sell stop under a long rounds up (triggers a tick earlier at worst); a buy stop over a short rounds down.
        var sellStop = OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Sell, OrderType.StopMarket, 1m, StopPrice: 1899.995m), EthUsdt, 2000m);
        var buyStop = OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.StopMarket, 1m, StopPrice: 2100.005m), EthUsdt, 2000m);
        Assert.Equal(1900.00m, sellStop.Normalized.StopPrice);
        Assert.Equal(2100.00m, buyStop.Normalized.StopPrice);
    }

    [Fact]
    public void Quantity_floors_to_step_and_adjustments_are_reported()
    {
        var result = OrderValidator.Validate(Limit(OrderSide.Buy, 0.123456789m, 2000m), EthUsdt, 2000m);
        Assert.True(result.IsValid);
        Assert.Equal(0.1234m, result.Normalized.Quantity);
        Assert.Single(result.Adjustments);
        Assert.Contains("floored", result.Adjustments[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Input_intent_is_never_mutated()
    {
        var intent = Limit(OrderSide.Buy, 0.123456789m, 2000.019m);
        var result = OrderValidator.Validate(intent, EthUsdt, 2000m);
        Assert.Equal(0.123456789m, intent.Quantity);
        Assert.Equal(2000.019m, intent.LimitPrice);
        Assert.NotSame(intent, result.Normalized);
    }

    [Fact]
    public void Quantity_below_minimum_after_flooring_is_rejected()
    {
        var result = OrderValidator.Validate(Limit(OrderSide.Buy, 0.00009m, 2000m), EthUsdt, 2000m);
        Assert.False(result.IsValid);
        Assert.Equal(RejectCodes.QuantityBelowMinimum, result.RejectCode);
    }

    [Fact]
    public void Min_notional_uses_limit_price_and_reference_for_market_orders()
    {
        // 0.0024 x 2000 = 4.8 < 5
        var limit = OrderValidator.Validate(Limit(OrderSide.Buy, 0.0024m, 2000m), EthUsdt, 2000m);
        Assert.Equal(RejectCodes.MinNotional, limit.RejectCode);
        Assert.Contains("4.8", limit.Reason, StringComparison.Ordinal);

        // 0.0025 x 2000 = 5.0: allowed
        Assert.True(OrderValidator.Validate(Limit(OrderSide.Buy, 0.0025m, 2000m), EthUsdt, 2000m).IsValid);

        var market = new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.Market, 0.0025m);
        Assert.Equal(RejectCodes.MinNotional, OrderValidator.Validate(market, EthUsdt, 1999.99m).RejectCode);
        Assert.True(OrderValidator.Validate(market, EthUsdt, 2000m).IsValid);
        Assert.Equal(RejectCodes.NoReferencePrice, OrderValidator.Validate(market, EthUsdt, null).RejectCode);
    }

    [Fact]
    public void Price_band_rejects_far_away_limits()
    {
        // Band: 0.2 x 2000 = 400 .. 5 x 2000 = 10000
        Assert.Equal(RejectCodes.PriceBand, OrderValidator.Validate(Limit(OrderSide.Buy, 1m, 399.99m), EthUsdt, 2000m).RejectCode);
        Assert.True(OrderValidator.Validate(Limit(OrderSide.Buy, 1m, 400m), EthUsdt, 2000m).IsValid);
        Assert.Equal(RejectCodes.PriceBand, OrderValidator.Validate(Limit(OrderSide.Sell, 0.1m, 10000.01m), EthUsdt, 2000m).RejectCode);
    }

    [Fact]
    public void Type_specific_prices_are_required()
    {
        Assert.Equal(RejectCodes.InvalidOrder, OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.Limit, 1m), EthUsdt, 2000m).RejectCode);
        Assert.Equal(RejectCodes.InvalidOrder, OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.StopLimit, 1m, LimitPrice: 2000m), EthUsdt, 2000m).RejectCode);
        Assert.Equal(RejectCodes.InvalidOrder, OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.Market, 1m, LimitPrice: 2000m), EthUsdt, 2000m).RejectCode);
        Assert.Equal(RejectCodes.InvalidOrder, OrderValidator.Validate(new OrderIntent("i", "ETHUSDT", OrderSide.Buy, OrderType.Market, -1m), EthUsdt, 2000m).RejectCode);
        Assert.Equal(RejectCodes.UnknownSymbol, OrderValidator.Validate(new OrderIntent("i", "BTCUSDT", OrderSide.Buy, OrderType.Market, 1m), EthUsdt, 2000m).RejectCode);
    }

    [Fact]
    public void Quantity_above_maximum_is_rejected() =>
        Assert.Equal(RejectCodes.QuantityAboveMaximum, OrderValidator.Validate(Limit(OrderSide.Buy, 9000.0001m, 2000m), EthUsdt, 2000m).RejectCode);
}
