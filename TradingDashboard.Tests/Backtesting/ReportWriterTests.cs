using System.Text.Json;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Execution;
using static TradingDashboard.Tests.Backtesting.BacktestTestKit;

namespace TradingDashboard.Tests.Backtesting;

public sealed class ReportWriterTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"td-report-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static async Task<BacktestResult> Run()
    {
        var bars = RandomWalk(1500, seed: 21, ("ETHUSDT", 2000));
        var options = Options();
        options.Symbols = ["ETHUSDT"];
        return await new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(10, 30));
    }

    [Fact]
    public async Task Report_json_has_the_issue_keys_as_fractions_with_nulls_for_undefined()
    {
        var result = await Run();
        await BacktestReportWriter.WriteAsync(result, _dir);
        using var doc = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(_dir, "report.json")));
        var root = doc.RootElement;
        string[] required = ["totalReturn", "cagr", "sharpe", "sortino", "maxDrawdown", "maxDrawdownDurationDays", "calmar", "winRate", "profitFactor", "trades", "exposure", "feesPaid", "benchmark"];
        var names = root.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(required, names.Take(required.Length));
        Assert.Equal(["totalReturn", "sharpe", "sortino", "maxDrawdown"], root.GetProperty("benchmark").EnumerateObject().Select(p => p.Name));

        Assert.Equal(result.Metrics.TotalReturn, root.GetProperty("totalReturn").GetDouble());
        Assert.Equal(result.Trades.Count, root.GetProperty("trades").GetInt32());
        Assert.Equal(result.BenchmarkMetrics.MaxDrawdown, root.GetProperty("benchmark").GetProperty("maxDrawdown").GetDouble());
        Assert.InRange(root.GetProperty("maxDrawdown").GetDouble(), 0, 1); // a fraction, not percent
    }

    [Fact]
    public void Profit_factor_is_null_when_no_trade_lost()
    {
        var m = new PerformanceSummary(0.1, null, null, null, 0, 0, null, 1.0, null, 2, 5, 0.5, 0.2, 1.5, 3);
        var result = new BacktestResult("x", ["ETHUSDT"], 0, 0, 100m, 110m, [], [], [], [], m, m, new OrderManagerCounters(0, 0, 0, 0, 0, 0, 0, 0), 0);
        using var doc = JsonDocument.Parse(BacktestReportWriter.ReportJson(result));
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("profitFactor").ValueKind);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("sharpe").ValueKind);
        Assert.Equal(1.0, doc.RootElement.GetProperty("winRate").GetDouble());
    }

    [Fact]
    public void Equity_csv_has_time_equity_and_drawdown_per_row()
    {
        EquityPoint[] curve = [new(1000, 100), new(2000, 120), new(3000, 90)];
        var lines = BacktestReportWriter.EquityCsv(curve).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,equity,drawdown", lines[0]);
        Assert.Equal("1000,100,0", lines[1]);
        Assert.Equal("2000,120,0", lines[2]);
        Assert.Equal("3000,90,0.25", lines[3]); // 1 - 90 / 120
    }

    [Fact]
    public void Trades_csv_has_one_row_per_fill_and_quotes_reasons()
    {
        TradeRecord[] fills =
        [
            new(1700000000000, "ETHUSDT", OrderSide.Buy, 0.5m, 2000.1m, 1.00005m, "USDT", "td0123", "ma-cross: SMA10 above SMA30; stop 1950 (2 x ATR)"),
            new(1700000060000, "ETHUSDT", OrderSide.Sell, 0.5m, 2010m, 1.005m, "USDT", "td4567", "said \"sell\""),
        ];
        var lines = BacktestReportWriter.TradesCsv(fills).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("time,symbol,side,quantity,price,fee,order_id,reason", lines[0]);
        Assert.Equal("1700000000000,ETHUSDT,buy,0.5,2000.1,1.00005,td0123,ma-cross: SMA10 above SMA30; stop 1950 (2 x ATR)", lines[1]);
        Assert.Equal("1700000060000,ETHUSDT,sell,0.5,2010,1.005,td4567,\"said \"\"sell\"\"\"", lines[2]);
    }

    [Fact]
    public async Task Files_written_match_the_result()
    {
        var result = await Run();
        await BacktestReportWriter.WriteAsync(result, _dir);
        Assert.Equal(result.Equity.Count + 1, (await File.ReadAllLinesAsync(Path.Combine(_dir, "equity.csv"))).Length);
        Assert.Equal(result.Fills.Count + 1, (await File.ReadAllLinesAsync(Path.Combine(_dir, "trades.csv"))).Length);
    }
}
