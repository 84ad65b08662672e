using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Spectre.Console;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer;

namespace TradingDashboard.Tests.Trainer;

/// <summary>The trainer's <c>backtest</c> verb, run in-process on generated kline folders and on the real 1m data.</summary>
public sealed class BacktestVerbTests : IDisposable
{
    private const long M = 60_000;
    private static readonly string[] ReportKeys =
        ["totalReturn", "cagr", "sharpe", "sortino", "maxDrawdown", "maxDrawdownDurationDays", "calmar", "winRate", "profitFactor", "trades", "exposure", "feesPaid", "benchmark"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-backtest-" + Guid.NewGuid().ToString("N"));

    public BacktestVerbTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Output) Run(params string[] args) => TrainerRunner.Run(args);

    private string Temp(string name) => Path.Combine(_directory, name);

    /// <summary>Three days (2024-01-01..03) of seeded random-walk (or steadily rising) 1m klines per symbol, Binance CSV, one gzipped file each; BTC misses one minute.</summary>
    private static Dictionary<string, List<(long Open, double Close)>> WriteFixture(string folder, bool steadyRise = false)
    {
        var written = new Dictionary<string, List<(long, double)>>();
        var start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var random = new Random(7);
        Directory.CreateDirectory(folder);
        foreach (var (symbol, first) in new[] { ("ETHUSDT", 2300.0), ("BTCUSDT", 42000.0) })
        {
            var rows = new List<(long, double)>();
            using var file = File.Create(Path.Combine(folder, $"{symbol}-1m-2024-01-01_2024-01-03.csv.gz"));
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            using var text = new StreamWriter(gzip) { NewLine = "\n" };
            var price = first;
            for (var i = 0; i < 3 * 1440; i++)
            {
                var open = price;
                var close = Math.Round(open * (steadyRise ? 1.0002 : 1 + (random.NextDouble() - 0.5) * 0.004), 2);
                var high = Math.Round(Math.Max(open, close) * (1 + random.NextDouble() * 0.001), 2);
                var low = Math.Round(Math.Min(open, close) * (1 - random.NextDouble() * 0.001), 2);
                price = close;
                var t = start + i * M;
                if (symbol == "BTCUSDT" && i == 2000)
                {
                    continue; // a gap: that minute has only the ETH bar
                }

                text.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t},{open},{high},{low},{close},{100 + random.Next(500)},{t + M - 1},0,10,0,0,0"));
                rows.Add((t, close));
            }

            written[symbol] = rows;
        }

        return written;
    }

    private static Dictionary<string, JsonElement> ReadReport(string dir)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "report.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
    }

    private static decimal SumFees(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "trades.csv")).Skip(1)
            .Select(line => decimal.Parse(line.Split(',')[5], CultureInfo.InvariantCulture)).Sum();

    [Fact]
    public void Backtest_writes_the_report_files_with_one_equity_row_per_bar_and_fees_that_add_up()
    {
        var data = Temp("klines");
        var rows = WriteFixture(Path.Combine(data, "1m"));
        var outA = Temp("a");
        var (code, output) = Run("backtest", "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "rule", "--out", outA);
        Assert.True(code == 0, output);
        Assert.Contains("backtest", output, StringComparison.Ordinal);
        Assert.Contains("buy-and-hold", output, StringComparison.Ordinal);

        // Trading period: 2024-01-02 00:00 to the end of 2024-01-03; one equity row per bar time (ETH has every minute).
        var from = new DateTimeOffset(2024, 1, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var times = rows.Values.SelectMany(r => r).Select(r => r.Open).Where(t => t >= from).Distinct().Order().ToList();
        Assert.Equal(2 * 1440, times.Count);
        var equity = File.ReadAllLines(Path.Combine(outA, "equity.csv"));
        Assert.Equal("time,equity,drawdown", equity[0]);
        Assert.Equal(times.Count, equity.Length - 1);
        Assert.Equal(times.Select(t => t + M - 1), equity.Skip(1).Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));
        Assert.All(equity.Skip(1), l => Assert.InRange(double.Parse(l.Split(',')[2], CultureInfo.InvariantCulture), 0, 1));

        var report = ReadReport(outA);
        Assert.All(ReportKeys, k => Assert.True(report.ContainsKey(k), k));
        Assert.Equal(["maxDrawdown", "sharpe", "sortino", "totalReturn"], report["benchmark"].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var trades = File.ReadAllLines(Path.Combine(outA, "trades.csv"));
        Assert.Equal("time,symbol,side,quantity,price,fee,order_id,reason", trades[0]);
        Assert.True(trades.Length > 1, "the rule expert should trade the fixture");
        Assert.Equal((double)SumFees(outA), report["feesPaid"].GetDouble(), 1e-9);
        Assert.All(trades.Skip(1), l => Assert.True(long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture) >= from, "no fill during the warm-up"));
        var entries = trades.Skip(1).Where(l => l.Contains(",buy,", StringComparison.Ordinal)).ToList();
        Assert.All(entries, l => Assert.Contains("above L2 pivot high", l, StringComparison.Ordinal));
        Assert.Contains(entries, l => l.Contains("beyond last pivot", StringComparison.Ordinal)); // the pivot stop (default --stop pivot)

        // Buy and hold by hand: equal halves bought at each symbol's first close of the period, valued at the last.
        double Growth(string symbol) => rows[symbol].Last().Close / rows[symbol].First(r => r.Open >= from).Close;
        Assert.Equal(((Growth("ETHUSDT") + Growth("BTCUSDT")) / 2) - 1, report["benchmark"].GetProperty("totalReturn").GetDouble(), 1e-9);

        // --stop atr: entries are protected at a multiple of the ATR instead.
        var outAtr = Temp("atr");
        Assert.Equal(0, Run("backtest", "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "rule", "--stop", "atr", "--out", outAtr).Code);
        var atrEntries = File.ReadAllLines(Path.Combine(outAtr, "trades.csv")).Where(l => l.Contains(",buy,", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(atrEntries);
        Assert.All(atrEntries, l => Assert.Contains("x ATR", l, StringComparison.Ordinal));

        // Deterministic: a second run gives byte-identical files.
        var outB = Temp("b");
        Assert.Equal(0, Run("backtest", "--data", data, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "rule", "--out", outB).Code);
        foreach (var file in new[] { "report.json", "equity.csv", "trades.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(outA, file)), File.ReadAllBytes(Path.Combine(outB, file)));
        }
    }

    [Fact]
    public void Without_a_losing_trade_the_profit_factor_is_null()
    {
        var data = Temp("klines");
        WriteFixture(data, steadyRise: true); // a rise that never reaches the trailing stop: no losing trade
        var outDir = Temp("bh");
        var (code, output) = Run("backtest", "--data", data, "--symbols", "ETHUSDT", "--from", "2024-01-02", "--to", "2024-01-02", "--strategy", "buy-and-hold", "--out", outDir);
        Assert.True(code == 0, output);
        var report = ReadReport(outDir);
        Assert.Equal(0, report["trades"].GetInt32()); // the position is still open at the end: no round trip
        Assert.Equal(JsonValueKind.Null, report["profitFactor"].ValueKind);
        Assert.Equal(1440, File.ReadAllLines(Path.Combine(outDir, "equity.csv")).Length - 1);
        Assert.Single(File.ReadAllLines(Path.Combine(outDir, "trades.csv")).Skip(1));
    }

    [Fact]
    public void Clear_errors_for_a_missing_folder_no_data_in_range_and_an_unknown_strategy()
    {
        var data = Temp("klines");
        WriteFixture(data);
        var missing = Run("backtest", "--data", Temp("nowhere"), "--symbols", "ETHUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "rule", "--out", Temp("o1"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("Data folder not found", missing.Output, StringComparison.Ordinal);

        var empty = Run("backtest", "--data", data, "--symbols", "ETHUSDT", "--from", "2023-01-01", "--to", "2023-01-31", "--strategy", "rule", "--out", Temp("o2"));
        Assert.Equal(1, empty.Code);
        Assert.Contains("No 1m data for ETHUSDT", empty.Output, StringComparison.Ordinal);

        var noSymbol = Run("backtest", "--data", data, "--symbols", "SOLUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "rule", "--out", Temp("o3"));
        Assert.Equal(1, noSymbol.Code);
        Assert.Contains("No kline files for SOLUSDT", noSymbol.Output, StringComparison.Ordinal);

        var unknown = Run("backtest", "--data", data, "--symbols", "ETHUSDT", "--from", "2024-01-02", "--to", "2024-01-03", "--strategy", "magic", "--out", Temp("o4"));
        Assert.Equal(2, unknown.Code);
        Assert.Contains("Unknown strategy 'magic'", unknown.Output, StringComparison.Ordinal);
        Assert.Contains("rule", unknown.Output, StringComparison.Ordinal);

        Assert.Equal(2, Run("backtest", "--data", data, "--symbols", "ETHUSDT", "--from", "2024-01-03", "--to", "2024-01-02", "--strategy", "rule", "--out", Temp("o5")).Code);
        Assert.False(Directory.Exists(Temp("o1")) || Directory.Exists(Temp("o2")) || Directory.Exists(Temp("o4")));
        Assert.Contains("--strategy NAME", Run("backtest", "--help").Output, StringComparison.Ordinal);
        Assert.Contains("backtest", Run("--help").Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Rule_on_a_real_week_of_eth_and_btc_keeps_the_invariants()
    {
        var klines = Path.Combine(TestData.Directory ?? throw new InvalidOperationException("Real market data not found: set TRADING_DATA_DIR."), "binance", "spot", "klines");
        var outA = Temp("real-a");
        var args = new[] { "backtest", "--data", klines, "--symbols", "ETHUSDT,BTCUSDT", "--from", "2024-10-03", "--to", "2024-10-09", "--strategy", "rule", "--out", outA };
        var (code, output) = Run(args);
        Assert.True(code == 0, output);

        // Bar times in the period, counted straight from the files.
        var from = new DateTimeOffset(2024, 10, 3, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var to = new DateTimeOffset(2024, 10, 10, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var times = new HashSet<long>();
        foreach (var symbol in new[] { "ETHUSDT", "BTCUSDT" })
        {
            using var reader = new StreamReader(new GZipStream(File.OpenRead(Path.Combine(klines, "1m", $"{symbol}-1m-2024-10-01_2024-11-04.ohlcv.csv.gz")), CompressionMode.Decompress));
            while (reader.ReadLine() is { } line)
            {
                if (long.TryParse(line.AsSpan(0, line.IndexOf(',', StringComparison.Ordinal)), NumberStyles.Integer, CultureInfo.InvariantCulture, out var t) && t >= from && t < to)
                {
                    times.Add(t);
                }
            }
        }

        Assert.Equal(times.Count, File.ReadAllLines(Path.Combine(outA, "equity.csv")).Length - 1);
        var report = ReadReport(outA);
        Assert.All(ReportKeys, k => Assert.True(report.ContainsKey(k), k));
        Assert.True(report["trades"].GetInt32() > 0);
        Assert.Equal((double)SumFees(outA), report["feesPaid"].GetDouble(), 1e-9);

        args[^1] = Temp("real-b");
        Assert.Equal(0, Run(args).Code);
        foreach (var file in new[] { "report.json", "equity.csv", "trades.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(outA, file)), File.ReadAllBytes(Path.Combine(args[^1], file)));
        }
    }
}
