using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

public class StopLossManagerTests
{
    private static StopLossManager Manager(StopLossMode mode, bool trailing = false) =>
        new(new StopLossOptions { Mode = mode, FixedFraction = 0.02m, AtrMultiplier = 2m, PivotBufferFraction = 0.001m, Trailing = trailing }, Clock());

    [Fact]
    public void Fixed_stop_is_a_fraction_from_entry_rounded_against_the_trigger_delay()
    {
        var m = Manager(StopLossMode.Fixed);
        Assert.Equal(1960m, m.Plan(OrderSide.Buy, 2000m, EthUsdt).StopPrice); // 2000 x 0.98
        Assert.Equal(2040m, m.Plan(OrderSide.Sell, 2000m, EthUsdt).StopPrice); // 2000 x 1.02
        Assert.Equal(1960.01m, m.Plan(OrderSide.Buy, 2000.01m, EthUsdt).StopPrice); // 1960.0098 -> up to 1960.01
    }

    [Fact]
    public void Atr_stop_is_a_multiple_of_atr_and_falls_back_to_fixed_without_one()
    {
        var m = Manager(StopLossMode.Atr);
        var plan = m.Plan(OrderSide.Buy, 2000m, EthUsdt, atr: 12.5);
        Assert.Equal(1975m, plan.StopPrice); // 2000 - 2 x 12.5
        Assert.Equal(StopLossMode.Atr, plan.Basis);
        Assert.Equal(2025m, m.Plan(OrderSide.Sell, 2000m, EthUsdt, atr: 12.5).StopPrice);
        var fallback = m.Plan(OrderSide.Buy, 2000m, EthUsdt, atr: null);
        Assert.Equal((1960m, StopLossMode.Fixed), (fallback.StopPrice, fallback.Basis));
    }

    [Fact]
    public void Pivot_stop_sits_beyond_the_last_pivot_and_ignores_a_pivot_on_the_wrong_side()
    {
        var m = Manager(StopLossMode.Pivot);
        Assert.Equal(1948.05m, m.Plan(OrderSide.Buy, 2000m, EthUsdt, lastPivot: 1950m).StopPrice); // 1950 x 0.999 = 1948.05, on the tick
        Assert.Equal(1948.06m, m.Plan(OrderSide.Buy, 2000m, EthUsdt, lastPivot: 1950.01m).StopPrice); // 1950.01 x 0.999 = 1948.05999 -> up to 1948.06
        var wrong = m.Plan(OrderSide.Buy, 2000m, EthUsdt, lastPivot: 2010m);
        Assert.Equal((1960m, StopLossMode.Fixed), (wrong.StopPrice, wrong.Basis));
        Assert.Equal(2052.05m, m.Plan(OrderSide.Sell, 2000m, EthUsdt, lastPivot: 2050m).StopPrice); // 2050 x 1.001 = 2052.05
    }

    [Fact]
    public void Long_stop_triggers_when_the_low_reaches_it()
    {
        var m = Manager(StopLossMode.Fixed);
        m.Arm("ETHUSDT", 1m, 2000m, m.Plan(OrderSide.Buy, 2000m, EthUsdt));
        Assert.False(m.OnPrice("ETHUSDT", 2010m, 1960.01m, EthUsdt).Triggered);
        Assert.True(m.OnPrice("ETHUSDT", 1990m, 1960m, EthUsdt).Triggered);
    }

    [Fact]
    public void Trailing_stop_follows_the_best_price_and_never_moves_back()
    {
        var m = Manager(StopLossMode.Fixed, trailing: true);
        m.Arm("ETHUSDT", 1m, 2000m, m.Plan(OrderSide.Buy, 2000m, EthUsdt)); // stop 1960, distance 40
        var up = m.OnPrice("ETHUSDT", 2100m, 2050m, EthUsdt);
        Assert.True(up.Moved);
        Assert.Equal(2060m, up.Level!.StopPrice); // 2100 - 40
        var down = m.OnPrice("ETHUSDT", 2080m, 2070m, EthUsdt);
        Assert.False(down.Moved);
        Assert.Equal(2060m, m.Get("ETHUSDT")!.StopPrice);
        Assert.True(m.OnPrice("ETHUSDT", 2065m, 2055m, EthUsdt).Triggered);
    }

    [Fact]
    public void Short_trailing_stop_mirrors_the_long()
    {
        var m = Manager(StopLossMode.Fixed, trailing: true);
        m.Arm("ETHUSDT", -2m, 2000m, m.Plan(OrderSide.Sell, 2000m, EthUsdt)); // stop 2040
        Assert.Equal(1990m, m.OnPrice("ETHUSDT", 1960m, 1950m, EthUsdt).Level!.StopPrice); // 1950 + 40
        Assert.True(m.OnPrice("ETHUSDT", 1991m, 1980m, EthUsdt).Triggered);
    }

    [Fact]
    public void Resize_keeps_the_stop_and_a_flat_or_flipped_position_disarms_it()
    {
        var m = Manager(StopLossMode.Fixed);
        m.Arm("ETHUSDT", 2m, 2000m, m.Plan(OrderSide.Buy, 2000m, EthUsdt));
        m.Resize("ETHUSDT", 1m);
        Assert.Equal((1m, 1960m), (m.Get("ETHUSDT")!.PositionQuantity, m.Get("ETHUSDT")!.StopPrice));
        m.Resize("ETHUSDT", -1m);
        Assert.Null(m.Get("ETHUSDT"));
    }

    [Fact]
    public void A_stop_on_the_wrong_side_is_refused()
    {
        var m = Manager(StopLossMode.Fixed);
        Assert.Throws<ArgumentException>(() => m.Arm("ETHUSDT", 1m, 2000m, new StopLossPlan(2001m, StopLossMode.Fixed, "bad")));
    }
}
