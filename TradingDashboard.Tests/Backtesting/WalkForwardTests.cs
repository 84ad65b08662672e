using TradingDashboard.Core.Backtesting;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;

namespace TradingDashboard.Tests.Backtesting;

public class WalkForwardTests
{
    private static readonly DateTimeOffset Jan1 = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Rolling_windows_train_on_the_past_and_test_on_the_following_span()
    {
        var windows = WalkForwardSplitter.Split(Jan1, Jan1.AddDays(10), train: TimeSpan.FromDays(4), test: TimeSpan.FromDays(2));
        // test spans: [4,6) [6,8) [8,10); a fourth would end on day 12 > 10
        Assert.Equal(3, windows.Count);
        Assert.Equal((Jan1, Jan1.AddDays(4), Jan1.AddDays(4), Jan1.AddDays(6)), (windows[0].TrainStart, windows[0].TrainEnd, windows[0].TestStart, windows[0].TestEnd));
        Assert.Equal((Jan1.AddDays(2), Jan1.AddDays(6), Jan1.AddDays(8)), (windows[1].TrainStart, windows[1].TrainEnd, windows[1].TestEnd));
        Assert.Equal((Jan1.AddDays(4), Jan1.AddDays(10)), (windows[2].TrainStart, windows[2].TestEnd));
        Assert.All(windows, w => Assert.True(w.TrainEnd <= w.TestStart)); // never tested on what it trained on
    }

    [Fact]
    public void Anchored_windows_grow_the_training_span_and_a_custom_step_can_overlap_tests()
    {
        var anchored = WalkForwardSplitter.Split(Jan1, Jan1.AddDays(10), TimeSpan.FromDays(4), TimeSpan.FromDays(2), anchored: true);
        Assert.All(anchored, w => Assert.Equal(Jan1, w.TrainStart));
        Assert.Equal(Jan1.AddDays(8), anchored[2].TrainEnd);

        var stepped = WalkForwardSplitter.Split(Jan1, Jan1.AddDays(10), TimeSpan.FromDays(4), TimeSpan.FromDays(2), step: TimeSpan.FromDays(1));
        Assert.Equal(5, stepped.Count); // test ends on days 6, 7, 8, 9, 10
        Assert.Throws<ArgumentException>(() => WalkForwardSplitter.Split(Jan1, Jan1.AddDays(10), TimeSpan.Zero, TimeSpan.FromDays(1)));
    }

    [Fact]
    public async Task Each_window_is_tested_on_its_future_and_the_combined_curve_compounds_the_windows()
    {
        // Price rises 0.1 % per minute; buy and hold per window.
        var bars = Enumerable.Range(0, 600).Select(i => Flat("ETHUSDT", Start + i * M, Math.Round(100 * Math.Pow(1.001, i), 2))).ToList();
        var windows = WalkForwardSplitter.Split(
            DateTimeOffset.FromUnixTimeMilliseconds(Start), DateTimeOffset.FromUnixTimeMilliseconds(Start + 600 * M), TimeSpan.FromMinutes(200), TimeSpan.FromMinutes(100));
        Assert.Equal(4, windows.Count);

        var options = Options(Execution.ExecutionTestKit.Paper(participation: 1m));
        options.Symbols = ["ETHUSDT"];
        var trainedOn = new List<int>();
        var result = await new WalkForwardRunner(options).RunAsync(bars, windows, (w, train) =>
        {
            trainedOn.Add(train.Count);
            Assert.All(train, b => Assert.True(b.OpenTimeMs < w.TestStart.ToUnixTimeMilliseconds()));
            return new BuyAndHoldStrategy(["ETHUSDT"]);
        });

        Assert.Equal([200, 200, 200, 200], trainedOn);
        Assert.Equal(4, result.Windows.Count);
        Assert.All(result.Windows, x => Assert.Equal(100, x.Result.Equity.Count));
        Assert.Equal(400, result.Combined.Count);
        var product = result.Windows.Aggregate(1.0, (acc, x) => acc * (1 + x.Result.Metrics.TotalReturn));
        Assert.Equal(product - 1, result.CombinedMetrics.TotalReturn, 1e-9);
        Assert.True(result.CombinedMetrics.TotalReturn > 0);
    }
}
