using TradingDashboard.Core.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

public class CircuitBreakerTests
{
    private static CircuitBreaker Breaker() => new(new CircuitBreakerOptions { MaxMoveFraction = 0.05m, WindowSeconds = 60, CooldownSeconds = 300 });

    private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    [Fact]
    public void A_rise_over_the_limit_inside_the_window_trips_it_for_the_cooldown()
    {
        var b = Breaker();
        Assert.False(b.OnPrice("ETHUSDT", 2000, T0));
        Assert.False(b.OnPrice("ETHUSDT", 2099, T0 + 30_000)); // +4.95 %
        Assert.True(b.OnPrice("ETHUSDT", 2100.5, T0 + 40_000)); // +5.025 % from the window low 2000
        Assert.True(b.IsTripped(At(T0 + 40_000 + 299_999)));
        Assert.False(b.IsTripped(At(T0 + 40_000 + 300_000)));
        Assert.Contains("rose", b.LastReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fall_is_measured_from_the_window_high()
    {
        var b = Breaker();
        b.OnPrice("ETHUSDT", 2000, T0);
        b.OnPrice("ETHUSDT", 2050, T0 + 10_000);
        Assert.True(b.OnPrice("ETHUSDT", 1947, T0 + 20_000)); // 1 - 1947 / 2050 = 5.02 %
        Assert.Contains("fell", b.LastReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Moves_spread_over_more_than_the_window_do_not_trip()
    {
        var b = Breaker();
        Assert.False(b.OnPrice("ETHUSDT", 2000, T0));
        Assert.False(b.OnPrice("ETHUSDT", 2060, T0 + 45_000));
        Assert.False(b.OnPrice("ETHUSDT", 2120, T0 + 90_000)); // 2000 left the window; +2.9 % from 2060
        Assert.False(b.IsTripped(At(T0 + 90_000)));
    }

    [Fact]
    public void Symbols_have_separate_windows()
    {
        var b = Breaker();
        b.OnPrice("ETHUSDT", 2000, T0);
        Assert.False(b.OnPrice("BTCUSDT", 2101, T0 + 1000)); // a first BTC price, not a move from ETH's
    }
}
