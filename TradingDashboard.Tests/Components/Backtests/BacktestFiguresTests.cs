using Plotly.Blazor.Traces;
using TradingDashboard.Components.Pages.Backtests;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Execution;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Backtests;

public sealed class BacktestFiguresTests
{
    private static PerformanceSummary Summary(double totalReturn = 0.1234, double? profitFactor = null, int trades = 3, double? winRate = 1.0) =>
        new(totalReturn, 0.5, 1.25, null, 0.05, 2.0, 10.0, winRate, profitFactor, trades, 12.5, 0.4, 3.0, 7.25, 30);

    [Fact]
    public void Drawdown_is_the_fall_below_the_running_peak()
    {
        var curve = new[] { new EquityPoint(0, 100), new EquityPoint(1, 110), new EquityPoint(2, 99), new EquityPoint(3, 120), new EquityPoint(4, 90) };

        var drawdown = BacktestFigures.Drawdown(curve);

        Assert.Equal([0, 0, -0.1, 0, -0.25], drawdown.Select(d => Math.Round(d, 10)).ToArray());
    }

    [Fact]
    public void Fractions_are_percentages_and_a_missing_profit_factor_says_why()
    {
        var rows = BacktestMetricRows.Build(Summary(), Summary(totalReturn: -0.05, trades: 0, winRate: null)).ToDictionary(r => r.Key);

        Assert.Equal(("12.34 %", "-5.00 %"), (rows["total-return"].Strategy, rows["total-return"].Benchmark));
        Assert.Equal("5.00 %", rows["max-drawdown"].Strategy);
        Assert.Equal("50.00 %", rows["cagr"].Strategy);
        Assert.Equal("100.00 %", rows["win-rate"].Strategy);
        Assert.Equal("n/a (no trades)", rows["win-rate"].Benchmark);
        Assert.Equal("n/a (no losing trade)", rows["profit-factor"].Strategy);
        Assert.Equal("n/a (no trades)", rows["profit-factor"].Benchmark);
        Assert.Equal("n/a", rows["sortino"].Strategy);
        Assert.Equal("1.25", rows["sharpe"].Strategy);
        Assert.Equal("40.00 %", rows["exposure"].Strategy);
        Assert.Equal("1.75", BacktestMetricRows.ProfitFactor(Summary(profitFactor: 1.75)));
    }

    [Fact]
    public void Fills_become_buy_and_sell_markers_at_their_prices()
    {
        TradeRecord Fill(long t, OrderSide side, decimal price) => new(t, "ETHUSDT", side, 1m, price, 0m, "USDT", "o" + t, "test");
        var fills = new[] { Fill(60_000, OrderSide.Buy, 2000m), Fill(120_000, OrderSide.Sell, 2010m), Fill(180_000, OrderSide.Buy, 1990m), Fill(200_000, OrderSide.Buy, 5m) with { Symbol = "BTCUSDT" } };
        var metrics = new PerformanceSummary(0, null, null, null, 0, 0, null, null, null, 0, null, 0, 0, 0, 0);
        var result = new BacktestResult("t", ["ETHUSDT", "BTCUSDT"], 3, 3, 100m, 100m, [], [], fills, [], metrics, metrics, default!, 0);
        var job = new BacktestJob(1, new BacktestRequest("t", ["ETHUSDT"], Core.Domain.Timeframe.OneMinute, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1)),
            "alice", DateTimeOffset.UnixEpoch, BacktestJobState.Completed, default, 3, null, result,
            new Dictionary<string, IReadOnlyList<PricePoint>> { ["ETHUSDT"] = [new PricePoint(59_999, 2001)] }, null);

        var traces = BacktestFigures.TradeTraces(job, "ETHUSDT").Cast<Scatter>().ToList();

        Assert.Equal(3, traces.Count);
        Assert.Equal([2001.0], traces[0].Y.Cast<double>().ToArray());
        Assert.Equal([2000m, 1990m], traces[1].Y.Cast<decimal>().ToArray());
        Assert.Equal("buy", traces[1].Name);
        Assert.Equal([2010m], traces[2].Y.Cast<decimal>().ToArray());
    }

    [Fact]
    public void Long_equity_curves_are_thinned_keeping_each_buckets_last_equity_and_deepest_drawdown()
    {
        // 4001 points -> buckets of 3 (ceil(4001 / 2000)): 1334 points. A one-point dip to 50 (from a peak of 100) sits
        // in the middle of bucket 100 (points 300..302) and must survive as -50 %.
        var curve = Enumerable.Range(0, 4001).Select(i => new EquityPoint(i * 60_000L, i == 301 ? 50 : 100)).ToList();
        var metrics = new PerformanceSummary(0, null, null, null, 0, 0, null, null, null, 0, null, 0, 0, 0, 0);
        var result = new BacktestResult("t", ["ETHUSDT"], 4001, 4001, 100m, 100m, curve, curve, [], [], metrics, metrics, default!, 0);

        var traces = BacktestFigures.EquityTraces(result).Cast<Scatter>().ToList();

        Assert.Equal(1334, traces[0].Y.Count);
        Assert.Equal(1334, traces[1].Y.Count);
        var drawdown = traces[2].Y.Cast<double>().ToList();
        Assert.Equal(-0.5, drawdown[100], 10);
        Assert.Equal(1, drawdown.Count(d => d != 0));
        Assert.Equal(100.0, traces[0].Y.Cast<double>().ElementAt(100)); // the bucket's last point, not the dip
        Assert.Equal("y2", traces[2].YAxis);
    }
}
