using TradingDashboard.Core.Backtesting;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;

namespace TradingDashboard.Tests.Backtesting;

public class StrategiesTests
{
    private sealed class FakeContext : IStrategyContext
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.FromUnixTimeMilliseconds(Start);

        public bool IsWarmup { get; set; }

        public decimal Equity => 10_000m;

        public decimal PositionOf(string symbol) => 0m;
    }

    [Fact]
    public void Moving_average_cross_emits_only_when_the_signal_changes()
    {
        var strategy = new MovingAverageCrossStrategy(2, 3);
        var context = new FakeContext();
        double[] closes = [.. Enumerable.Repeat(10.0, 14), 11, 12, 9, 9];
        var targets = closes.Select((c, i) => strategy.OnBar(Flat("ETHUSDT", Start + i * M, c), context)).ToList();

        Assert.All(targets.Take(13), Assert.Null); // ATR(14) and the averages are not ready
        Assert.Equal(0m, targets[13]!.TargetFraction); // SMA2 10 = SMA3 10: flat
        Assert.Equal(1m, targets[14]!.TargetFraction); // SMA2 10.5 > SMA3 10.33
        Assert.Null(targets[15]); // 11.5 > 11: unchanged
        Assert.Equal(0m, targets[16]!.TargetFraction); // 10.5 <= 10.67
        Assert.Null(targets[17]); // 9 <= 10: unchanged
        // Wilder ATR(14): 14 flat bars give 0; the 10 -> 11 bar has true range 1: (0 x 13 + 1) / 14
        Assert.Equal(1.0 / 14.0, targets[14]!.Atr!.Value, 1e-15);
        Assert.Equal("ma-cross:2:3", targets[14]!.Source);
    }

    [Fact]
    public void Buy_and_hold_enters_each_symbol_once_with_an_equal_share()
    {
        var strategy = new BuyAndHoldStrategy(["ETHUSDT", "BTCUSDT"]);
        var context = new FakeContext();
        Assert.Equal(0.5m, strategy.OnBar(Flat("ETHUSDT", Start, 2000), context)!.TargetFraction);
        Assert.Null(strategy.OnBar(Flat("ETHUSDT", Start + M, 2000), context));
        Assert.Equal(0.5m, strategy.OnBar(Flat("BTCUSDT", Start + M, 40_000), context)!.TargetFraction);
        Assert.Null(strategy.OnBar(Flat("SOLUSDT", Start + M, 100), context));
    }

    [Fact]
    public void Catalog_builds_strategies_by_name()
    {
        var catalog = new StrategyCatalog();
        Assert.Equal("ma-cross:20:50", catalog.Create("ma-cross", ["ETHUSDT"]).Name);
        Assert.Equal("ma-cross:5:15", catalog.Create("ma-cross:5:15", ["ETHUSDT"]).Name);
        Assert.Equal("buy-and-hold", catalog.Create("buy-and-hold", ["ETHUSDT"]).Name);
        Assert.Equal("rule", catalog.Create("rule", ["ETHUSDT"]).Name); // registered by the rule expert (Core/Strategies)
        Assert.Throws<ArgumentException>(() => catalog.Create("magic", ["ETHUSDT"]));
        Assert.Throws<ArgumentException>(() => catalog.Create("ma-cross:30:10", ["ETHUSDT"]));
    }
}
