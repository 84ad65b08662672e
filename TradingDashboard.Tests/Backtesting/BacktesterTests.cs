using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Risk;
using TradingDashboard.Tests.Support;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Backtesting;

public class BacktesterTests
{
    [Fact]
    public async Task The_same_input_gives_identical_trades_and_equity()
    {
        var bars = RandomWalk(3000, seed: 11, ("ETHUSDT", 2000), ("BTCUSDT", 40_000));
        var first = await new Backtester(Options()).RunAsync(bars, new MovingAverageCrossStrategy(10, 30, 2));
        var second = await new Backtester(Options()).RunAsync(bars, new MovingAverageCrossStrategy(10, 30, 2));

        Assert.True(first.Fills.Count > 20, $"only {first.Fills.Count} fills: the test data should trade");
        Assert.Equal(first.Fills, second.Fills);
        Assert.Equal(first.Equity, second.Equity);
        Assert.Equal(first.Metrics, second.Metrics);
        Assert.Equal(3000, first.Equity.Count); // one point per bar time
        Assert.Equal(6000, first.Bars);
    }

    [Fact]
    public async Task Fees_and_slippage_are_accounted_by_hand()
    {
        // Price 100 for 4 bars, then 110. Buy and hold decides at the close of bar 0 and fills at the open of bar 1:
        // quantity = min(10000 / 100, 10000 x (1 - 1 % cash buffer) / 100) = 99; price 100 x (1 + 10 bps) = 100.1;
        // fee 99 x 100.1 x 0.1 % = 9.9099; cash 10000 - 9909.9 - 9.9099 = 80.1901.
        var bars = Enumerable.Range(0, 4).Select(i => Flat("ETHUSDT", Start + i * M, 100)).Append(Flat("ETHUSDT", Start + 4 * M, 110)).ToList();
        var options = Options(Paper(taker: 0.001m, maker: 0.001m, slippageBps: 10m, participation: 1m));
        options.Symbols = ["ETHUSDT"];
        var result = await new Backtester(options).RunAsync(bars, new BuyAndHoldStrategy(["ETHUSDT"]));

        var fill = Assert.Single(result.Fills);
        Assert.Equal((OrderSide.Buy, 99m, 100.1m, 9.9099m), (fill.Side, fill.Quantity, fill.Price, fill.Fee));
        Assert.Equal(Start + M, fill.TimeMs); // the open of bar 1 (no latency configured)
        Assert.Equal(80.1901m + 99m * 110m, result.FinalEquity);
        Assert.Equal(9.9099, result.Metrics.FeesPaid, 1e-9);
        Assert.Equal((80.1901 + 99 * 110) / 10_000 - 1, result.Metrics.TotalReturn, 1e-12);
        Assert.Equal(0.1, result.BenchmarkMetrics.TotalReturn, 1e-12); // 110 / 100 - 1, no costs
        Assert.Empty(result.Trades); // still open at the end: not a closed trade
        Assert.Equal(0.8, result.Metrics.Exposure, 1e-12); // positions at 4 of 5 bar closes
    }

    [Fact]
    public async Task Warm_up_bars_feed_the_strategy_but_never_trade_or_count()
    {
        var bars = RandomWalk(600, seed: 3, ("ETHUSDT", 2000));
        var options = Options();
        options.Symbols = ["ETHUSDT"];
        options.TradingStart = DateTimeOffset.FromUnixTimeMilliseconds(Start + 400 * M);
        var result = await new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(10, 30));

        Assert.Equal(200, result.Equity.Count);
        Assert.Equal(Start + 400 * M + M - 1, result.Equity[0].TimeMs); // the close of the first trading bar
        Assert.All(result.Fills, f => Assert.True(f.TimeMs > Start + 400 * M));
        Assert.NotEmpty(result.Fills); // the averages were warm, so it traded from the first trading bars on
    }

    [Fact]
    public async Task Bars_out_of_order_or_duplicated_or_forming_are_refused()
    {
        var backtester = new Backtester(Options());
        var strategy = new BuyAndHoldStrategy(["ETHUSDT"]);
        await Assert.ThrowsAsync<ArgumentException>(() => backtester.RunAsync([Flat("ETHUSDT", Start + M, 100), Flat("ETHUSDT", Start, 100)], strategy));
        await Assert.ThrowsAsync<ArgumentException>(() => backtester.RunAsync([Flat("ETHUSDT", Start, 100), Flat("ETHUSDT", Start, 100)], strategy));
        await Assert.ThrowsAsync<ArgumentException>(() => backtester.RunAsync([Bar("ETHUSDT", Start, 100, 100, 100, 100, 1, closed: false)], strategy));
    }

    [Fact]
    public async Task Round_trips_carry_their_fees_and_losses_are_bounded_by_the_stop()
    {
        // Up, then a crash: the MA cross goes long, and the venue stop (3 x ATR, trailing) takes it out.
        var bars = new List<OHLCVBar>();
        var price = 100.0;
        for (var i = 0; i < 200; i++)
        {
            var next = i < 120 ? price * 1.002 : price * 0.99;
            bars.Add(Bar("ETHUSDT", Start + i * M, price, Math.Max(price, next) + 0.05, Math.Min(price, next) - 0.05, next, 1_000_000));
            price = next;
        }

        var options = Options(Paper(taker: 0.001m, maker: 0.001m, participation: 1m));
        options.Symbols = ["ETHUSDT"];
        var result = await new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(5, 20));

        var trip = Assert.Single(result.Trades);
        var entry = result.Fills[0];
        var exit = result.Fills[1];
        Assert.Equal(1, trip.Direction);
        Assert.Equal(entry.Fee + exit.Fee, trip.Fees);
        Assert.Equal(exit.Quantity * (exit.Price - entry.Price) - entry.Fee - exit.Fee, trip.Pnl);
        Assert.Contains("stop-loss", exit.Reason, StringComparison.Ordinal);
        Assert.Equal(result.Metrics.Trades, result.Trades.Count);
    }

    [Fact]
    public async Task Real_eth_minutes_run_deterministically_with_sane_numbers()
    {
        var path = TestData.File("binance", "spot", "klines", "1m", "ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz");
        var bars = KlineCsvReader.Read(path, "Binance", "ETHUSDT", Timeframe.OneMinute).Take(20_000).ToList();
        var options = Options();
        options.Symbols = ["ETHUSDT"];
        var a = await new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(20, 50));
        var b = await new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(20, 50));

        Assert.Equal(a.Fills, b.Fills);
        Assert.NotEmpty(a.Trades);
        Assert.All(a.Equity, p => Assert.True(double.IsFinite(p.Equity) && p.Equity > 0));
        Assert.InRange(a.Metrics.MaxDrawdown, 0, 1);
        Assert.Equal(bars[^1].Close / bars[0].Close - 1, a.BenchmarkMetrics.TotalReturn, 1e-9);
        // The books balance: cash + position value equals what the fills and fees imply.
        var cash = 10_000m - a.Fills.Sum(f => (f.Side == OrderSide.Buy ? 1 : -1) * f.Quantity * f.Price) - a.Fills.Sum(f => f.Fee);
        var held = a.Fills.Sum(f => (f.Side == OrderSide.Buy ? 1 : -1) * f.Quantity);
        Assert.Equal(cash + held * (decimal)bars[^1].Close, a.FinalEquity);
    }

    [Fact]
    public async Task Progress_is_reported()
    {
        var bars = RandomWalk(2500, seed: 5, ("ETHUSDT", 2000));
        var reports = new List<BacktestProgress>();
        var options = Options();
        options.Symbols = ["ETHUSDT"];
        await new Backtester(options).RunAsync(bars, new BuyAndHoldStrategy(["ETHUSDT"]), new SyncProgress(reports.Add));
        Assert.Equal([1000L, 2000L], reports.Select(r => r.Bars));
    }

    private sealed class SyncProgress(Action<BacktestProgress> action) : IProgress<BacktestProgress>
    {
        public void Report(BacktestProgress value) => action(value);
    }
}
