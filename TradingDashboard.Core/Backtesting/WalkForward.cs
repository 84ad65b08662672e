using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Backtesting;

/// <summary>One walk-forward window: train (or tune) on [TrainStart, TrainEnd), test on [TestStart, TestEnd).</summary>
public sealed record WalkForwardWindow(int Index, DateTimeOffset TrainStart, DateTimeOffset TrainEnd, DateTimeOffset TestStart, DateTimeOffset TestEnd);

/// <summary>
/// Splits a period into walk-forward windows. Rolling: window k trains on [start + k x step, + train) and tests on
/// the following <c>test</c> span; anchored: every window trains from <c>start</c> (a growing training set). The step
/// defaults to the test length, so test spans follow each other without overlap. A window whose test span would pass
/// <c>end</c> is not made (no partial last window).
/// </summary>
public static class WalkForwardSplitter
{
    public static IReadOnlyList<WalkForwardWindow> Split(DateTimeOffset start, DateTimeOffset end, TimeSpan train, TimeSpan test, TimeSpan? step = null, bool anchored = false)
    {
        if (train <= TimeSpan.Zero || test <= TimeSpan.Zero)
        {
            throw new ArgumentException("Train and test lengths must be positive.");
        }

        var stride = step ?? test;
        if (stride <= TimeSpan.Zero)
        {
            throw new ArgumentException("The step must be positive.", nameof(step));
        }

        var windows = new List<WalkForwardWindow>();
        for (var k = 0; ; k++)
        {
            var trainStart = anchored ? start : start + stride * k;
            var trainEnd = start + stride * k + train;
            var testEnd = trainEnd + test;
            if (testEnd > end)
            {
                break;
            }

            windows.Add(new WalkForwardWindow(k, trainStart, trainEnd, trainEnd, testEnd));
        }

        return windows;
    }
}

/// <summary>One window's backtest and the combined result.</summary>
/// <param name="Combined">The test spans chained: each window's test equity curve scaled to start where the previous ended.</param>
public sealed record WalkForwardResult(
    IReadOnlyList<(WalkForwardWindow Window, BacktestResult Result)> Windows,
    IReadOnlyList<EquityPoint> Combined,
    IReadOnlyList<EquityPoint> CombinedBenchmark,
    PerformanceSummary CombinedMetrics,
    PerformanceSummary CombinedBenchmarkMetrics);

/// <summary>
/// Runs a backtest per window: the strategy is built (trained, tuned) from the window's training bars, then trades
/// the test span, with the training span as its warm-up. The combined curve compounds the windows' test returns.
/// </summary>
public sealed class WalkForwardRunner(BacktestOptions options)
{
    public async Task<WalkForwardResult> RunAsync(
        IReadOnlyList<OHLCVBar> bars,
        IReadOnlyList<WalkForwardWindow> windows,
        Func<WalkForwardWindow, IReadOnlyList<OHLCVBar>, IStrategy> strategyFactory,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(strategyFactory);
        var results = new List<(WalkForwardWindow, BacktestResult)>();
        var combined = new List<EquityPoint>();
        var combinedBenchmark = new List<EquityPoint>();
        var trips = new List<RoundTrip>();
        var fills = new List<TradeRecord>();
        var exposed = 0;
        foreach (var window in windows)
        {
            long trainStart = window.TrainStart.ToUnixTimeMilliseconds(), trainEnd = window.TrainEnd.ToUnixTimeMilliseconds();
            long testEnd = window.TestEnd.ToUnixTimeMilliseconds();
            var train = bars.Where(b => b.OpenTimeMs >= trainStart && b.OpenTimeMs < trainEnd).ToList();
            var strategy = strategyFactory(window, train);
            var windowOptions = new BacktestOptions
            {
                InitialCash = options.InitialCash,
                Currency = options.Currency,
                Paper = options.Paper,
                Risk = options.Risk,
                SymbolRules = options.SymbolRules,
                Symbols = options.Symbols,
                TradingStart = window.TestStart,
                End = window.TestEnd,
                EntryCashBuffer = options.EntryCashBuffer,
                ProgressEveryBars = options.ProgressEveryBars,
            };
            var result = await new Backtester(windowOptions).RunAsync(bars.Where(b => b.OpenTimeMs >= trainStart && b.OpenTimeMs < testEnd), strategy, cancellationToken: cancellationToken).ConfigureAwait(false);
            results.Add((window, result));
            Chain(combined, result.Equity);
            Chain(combinedBenchmark, result.Benchmark);
            trips.AddRange(result.Trades);
            fills.AddRange(result.Fills);
            exposed += (int)Math.Round(result.Metrics.Exposure * result.Equity.Count);
        }

        return new WalkForwardResult(
            results,
            combined,
            combinedBenchmark,
            PerformanceMetrics.Summarize(combined, trips, fills, exposed),
            PerformanceMetrics.Summarize(combinedBenchmark, [], [], combinedBenchmark.Count));
    }

    /// <summary>Appends a curve scaled so that it starts at the combined curve's last value (returns compound).</summary>
    private static void Chain(List<EquityPoint> combined, IReadOnlyList<EquityPoint> curve)
    {
        if (curve.Count == 0 || curve[0].Equity <= 0)
        {
            return;
        }

        var scale = combined.Count == 0 ? 1.0 : combined[^1].Equity / curve[0].Equity;
        foreach (var p in curve)
        {
            combined.Add(new EquityPoint(p.TimeMs, p.Equity * scale));
        }
    }
}
