using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Tests.Backtesting;

namespace TradingDashboard.Tests.Strategies;

/// <summary>The rule expert against the rule written out independently (a standalone pivot detector and a hand ATR).</summary>
public class PivotBreakoutStrategyTests
{
    /// <summary>A context whose position follows the targets at once (fills are the executor's business, not the rule's).</summary>
    internal sealed class ScriptedContext : IStrategyContext
    {
        public Dictionary<string, decimal> Positions { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset Now { get; set; }

        public bool IsWarmup { get; set; }

        public decimal Equity => 10_000m;

        public decimal PositionOf(string symbol) => Positions.GetValueOrDefault(symbol);

        public void Apply(PositionTarget? target)
        {
            if (target is not null)
            {
                Positions[target.Symbol] = target.TargetFraction > 0 ? 1m : 0m;
            }
        }
    }

    internal sealed record Decision(int BarIndex, string Symbol, decimal Fraction, double? Atr, decimal? StopPivot);

    /// <summary>Runs the strategy over the bars; position follows each target immediately.</summary>
    internal static List<Decision> RunStrategy(IStrategy strategy, IReadOnlyList<OHLCVBar> bars, int warmupBars = 0)
    {
        var context = new ScriptedContext();
        var decisions = new List<Decision>();
        for (var i = 0; i < bars.Count; i++)
        {
            context.Now = DateTimeOffset.FromUnixTimeMilliseconds(bars[i].CloseTimeMs + 1);
            context.IsWarmup = i < warmupBars;
            var target = strategy.OnBar(bars[i], context);
            if (target is not null)
            {
                decisions.Add(new Decision(i, target.Symbol, target.TargetFraction, target.Atr, target.StopPivot));
            }

            context.Apply(target);
        }

        return decisions;
    }

    /// <summary>The documented rule, written again from docs/strategies.md with its own detector and a hand Wilder ATR(14).</summary>
    private static List<Decision> Reference(IReadOnlyList<OHLCVBar> bars, int symbolCount, int warmupBars = 0, int level = 2)
    {
        var detectors = new Dictionary<string, WilliamsPivotDetector>();
        var state = new Dictionary<string, (decimal Position, long LastPivot, List<double> Tr, double PrevClose, double Atr)>();
        var decisions = new List<Decision>();
        var confirmed = new List<PivotPoint>();
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            if (!detectors.TryGetValue(bar.Symbol, out var detector))
            {
                detectors[bar.Symbol] = detector = new WilliamsPivotDetector(bar.Symbol, bar.Timeframe);
                state[bar.Symbol] = (0m, long.MinValue, [], double.NaN, double.NaN);
            }

            detector.Update(PriceBar.From(bar), confirmed);
            var s = state[bar.Symbol];
            if (!double.IsNaN(s.PrevClose))
            {
                s.Tr.Add(Math.Max(bar.High, s.PrevClose) - Math.Min(bar.Low, s.PrevClose));
                if (s.Tr.Count == 14)
                {
                    s.Atr = s.Tr.Average();
                }
                else if (s.Tr.Count > 14)
                {
                    s.Atr = (s.Atr * 13 + s.Tr[^1]) / 14;
                }
            }

            s.PrevClose = bar.Close;
            if (i >= warmupBars)
            {
                var high = detector.LastHigh(level);
                var low = detector.LastLow(level);
                Assert.True(high is null || high.ConfirmedAtMs <= bar.CloseTimeMs);
                Assert.True(low is null || low.ConfirmedAtMs <= bar.CloseTimeMs);
                if (s.Position > 0)
                {
                    if (low is not null && bar.Close < low.Price)
                    {
                        decisions.Add(new Decision(i, bar.Symbol, 0m, null, null));
                        s.Position = 0;
                    }
                }
                else if (high is not null && bar.Close > high.Price && high.OpenTimeMs != s.LastPivot && detector.GetTrend(level) != Trend.Down)
                {
                    decisions.Add(new Decision(i, bar.Symbol, 1m / symbolCount, double.IsNaN(s.Atr) ? null : s.Atr, low is null ? null : (decimal)low.Price));
                    s.Position = 1;
                    s.LastPivot = high.OpenTimeMs;
                }
            }

            state[bar.Symbol] = s;
        }

        return decisions;
    }

    private static void AssertSame(List<Decision> expected, List<Decision> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            Assert.Equal(expected[k].BarIndex, actual[k].BarIndex);
            Assert.Equal(expected[k].Symbol, actual[k].Symbol);
            Assert.Equal(expected[k].Fraction, actual[k].Fraction);
            Assert.Equal(expected[k].StopPivot, actual[k].StopPivot);
            if (expected[k].Fraction > 0)
            {
                Assert.NotNull(actual[k].Atr);
                Assert.Equal(expected[k].Atr!.Value, actual[k].Atr!.Value, 1e-9);
            }
        }
    }

    [Fact]
    public void Decisions_match_the_documented_rule_on_two_interleaved_symbols()
    {
        var bars = BacktestTestKit.RandomWalk(4000, 11, ("ETHUSDT", 2000), ("BTCUSDT", 60000));
        var strategy = new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]);
        var actual = RunStrategy(strategy, bars);
        var expected = Reference(bars, 2);

        Assert.True(expected.Count(d => d.Fraction > 0) >= 10, $"the fixture should trade: {expected.Count} decisions");
        Assert.Contains(expected, d => d.Fraction == 0);
        AssertSame(expected, actual);
        Assert.Equal(0, strategy.LookAheadRefusals);
        Assert.Equal(Timeframe.OneMinute, strategy.Timeframe);
        Assert.Equal(bars.Count, strategy.Processor!.Processed);
    }

    [Fact]
    public void A_higher_level_trades_less_and_still_matches_the_rule()
    {
        var bars = BacktestTestKit.RandomWalk(6000, 5, ("ETHUSDT", 2000));
        var level2 = Reference(bars, 1, level: 2);
        var level3 = Reference(bars, 1, level: 3);
        AssertSame(level3, RunStrategy(new StrategyCatalog().Create("rule:3", ["ETHUSDT"]), bars));
        Assert.True(level3.Count < level2.Count, $"level 3 {level3.Count} decisions, level 2 {level2.Count}");
    }

    [Fact]
    public void Decisions_never_change_when_the_future_changes()
    {
        var bars = BacktestTestKit.RandomWalk(3000, 21, ("ETHUSDT", 2000), ("BTCUSDT", 60000));
        var full = RunStrategy(new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]), bars);

        foreach (var cut in new[] { 1000, 1777, 2400 })
        {
            // Same past, a different future (another seed, rescaled to continue from the last close).
            var other = BacktestTestKit.RandomWalk(3000, 99 + cut, ("ETHUSDT", 2000), ("BTCUSDT", 60000));
            var mutated = bars.Take(cut).Concat(other.Skip(cut).Select(b => b with { High = b.High * 1.37, Low = b.Low * 0.71, Close = b.Close * 1.05, Open = b.Open * 1.05 })).ToList();
            var withOtherFuture = RunStrategy(new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]), mutated);
            var prefixOnly = RunStrategy(new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]), bars.Take(cut).ToList());

            var expected = full.Where(d => d.BarIndex < cut).ToList();
            Assert.Equal(expected, prefixOnly);
            Assert.Equal(expected, withOtherFuture.Where(d => d.BarIndex < cut).ToList());
            Assert.NotEqual(full, withOtherFuture); // the mutation reached the strategy
        }
    }

    [Fact]
    public void Warmup_bars_build_pivots_but_produce_no_targets()
    {
        var bars = BacktestTestKit.RandomWalk(3000, 3, ("ETHUSDT", 2000));
        var actual = RunStrategy(new PivotBreakoutStrategy(["ETHUSDT"]), bars, warmupBars: 1500);
        var expected = Reference(bars, 1, warmupBars: 1500);
        Assert.All(actual, d => Assert.True(d.BarIndex >= 1500));
        Assert.NotEmpty(actual);
        AssertSame(expected, actual);
    }

    [Fact]
    public void Other_timeframes_unknown_symbols_and_repeated_bars_are_ignored()
    {
        var strategy = new PivotBreakoutStrategy(["ETHUSDT"], new PivotBreakoutSettings(Timeframe: Timeframe.OneMinute));
        var context = new ScriptedContext();
        var bar = BacktestTestKit.Flat("ETHUSDT", BacktestTestKit.Start, 2000);
        Assert.Null(strategy.OnBar(bar with { Timeframe = Timeframe.OneHour }, context));
        Assert.Null(strategy.OnBar(bar with { Symbol = "SOLUSDT" }, context));
        Assert.Null(strategy.OnBar(bar, context));
        Assert.Null(strategy.OnBar(bar, context)); // the same bar again: refused by the processor
        Assert.Null(strategy.OnBar(bar with { OpenTimeMs = bar.OpenTimeMs + 60_000, IsClosed = false }, context));
        Assert.Equal(1, strategy.Processor!.Processed);
        Assert.Equal(1, strategy.Processor.Rejected.OutOfOrder);
    }

    [Fact]
    public void The_catalog_creates_the_rule_expert_by_name()
    {
        var catalog = new StrategyCatalog();
        Assert.Contains("rule", catalog.Names);
        var rule = Assert.IsType<PivotBreakoutStrategy>(catalog.Create("rule", ["ETHUSDT", "BTCUSDT"]));
        Assert.Equal("rule", rule.Name);
        Assert.Equal(2, rule.Settings.Level);
        var custom = Assert.IsType<PivotBreakoutStrategy>(catalog.Create("rule:3:20", ["ETHUSDT"]));
        Assert.Equal(3, custom.Settings.Level);
        Assert.Equal(20, custom.Settings.AtrPeriod);
        Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Create("rule:6", ["ETHUSDT"]));
        Assert.Throws<ArgumentException>(() => catalog.Create("rule:2:14:1", ["ETHUSDT"]));
        Assert.Throws<ArgumentException>(() => new PivotBreakoutStrategy([]));
    }
}
