using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

public class ReplayFileCatalogTests
{
    [Theory]
    [InlineData("BTCUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz", "BTCUSDT", ReplayFileKind.Klines, Timeframe.OneMinute)]
    [InlineData("BTCUSDT-1m-2024-01.csv", "BTCUSDT", ReplayFileKind.Klines, Timeframe.OneMinute)]
    [InlineData("ETHUSDT-1d-2017-08-17_2026-07-25.full-with-gap.csv.gz", "ETHUSDT", ReplayFileKind.Klines, Timeframe.OneDay)]
    [InlineData("BTCUSDT-60m-2025-12-04_2026-06-04.csv.gz", "BTCUSDT", ReplayFileKind.Klines, Timeframe.OneHour)]
    [InlineData("BTCUSDT-1h-2017-08-17_2026-07-26.ohlcv.csv.gz", "BTCUSDT", ReplayFileKind.Klines, Timeframe.OneHour)]
    [InlineData("BTCUSDT-1s-2025-01-01.csv", "BTCUSDT", ReplayFileKind.Klines, Timeframe.OneSecond)]
    [InlineData("BTCUSDT-trades-2024-08-08.csv", "BTCUSDT", ReplayFileKind.Trades, null)]
    [InlineData("BTCUSDT-trades-2024-08-08.csv.gz", "BTCUSDT", ReplayFileKind.Trades, null)]
    [InlineData("ETHUSDT-aggTrades-2024-08.csv.gz", "ETHUSDT", ReplayFileKind.AggTrades, null)]
    [InlineData("btcusdt_20240808.txt.gz", "BTCUSDT", ReplayFileKind.Recording, null)]
    public void Recognises_binance_and_mexc_names(string name, string symbol, ReplayFileKind kind, Timeframe? timeframe)
    {
        Assert.True(ReplayFileCatalog.TryParseFileName("/data/x/" + name, out var file));
        Assert.Equal(new ReplayFile("/data/x/" + name, symbol, kind, timeframe), file);
    }

    [Theory]
    [InlineData("README.md")]
    [InlineData("SHA256SUMS")]
    [InlineData("BTCUSDT-1M-2024-01.csv")] // one month, not one minute
    [InlineData("BTCUSDT-4h-2024-01.csv")]
    [InlineData("BTCUSDT-1m-2024-01.zip")]
    [InlineData("BTCUSDT-bookTicker-2024-01.csv")]
    [InlineData("ws_spot_trade.json")]
    public void Ignores_other_names(string name) => Assert.False(ReplayFileCatalog.TryParseFileName(name, out _));

    [Fact]
    public void Scans_recursively_and_groups_by_symbol()
    {
        using var dir = new TempDirectory();
        dir.Write("a/BTCUSDT-1m-2024-01.csv", "1704067200000,1,1,1,1,1");
        dir.Write("a/b/BTCUSDT-1h-2024-01.csv.gz", "1704067200000,1,1,1,1,1");
        dir.Write("ETHUSDT-aggTrades-2024-01-01.csv", "1,1,1,1,1,1704067200000,True,True");
        dir.Write("notes.txt", "hello");

        var catalog = ReplayFileCatalog.Scan(dir.Path);

        Assert.Equal(["BTCUSDT", "ETHUSDT"], catalog.Symbols);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour], catalog.KlineTimeframes("btcusdt"));
        Assert.Empty(catalog.KlineTimeframes("ETHUSDT"));
        Assert.True(catalog.HasTrades("ETHUSDT"));
        Assert.False(catalog.HasTrades("BTCUSDT"));
        Assert.EndsWith("notes.txt", Assert.Single(catalog.Ignored), StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_directory_throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => ReplayFileCatalog.Scan(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid())));
    }

    [Fact]
    public void Overlapping_kline_files_merge_in_time_order_keeping_one_row_per_open_time()
    {
        using var dir = new TempDirectory();
        const long m = 60_000;
        const long t = 1_704_067_200_000;

        // File A (OHLCV only): minutes 0, 1, 2, 5. File B (full format, with header): minutes 2, 3, 4. Minute 2 is in both:
        // the full row (trade count 7) is kept.
        dir.Write("BTCUSDT-1m-a.ohlcv.csv.gz",
            "open_time,open,high,low,close,volume",
            $"{t},10,11,9,10,1", $"{t + m},10,11,9,10,1", $"{t + (2 * m)},10,11,9,10,1", $"{t + (5 * m)},10,11,9,10,5");
        dir.Write("BTCUSDT-1m-b.full.csv",
            $"{t + (2 * m)},10,11,9,10,1,{t + (3 * m) - 1},10.5,7,0,0,0",
            $"{t + (3 * m)},10,11,9,10,3,{t + (4 * m) - 1},30,3,0,0,0",
            $"{t + (4 * m)},10,11,9,10,4,{t + (5 * m) - 1},40,4,0,0,0");

        var bars = ReplayFileCatalog.Scan(dir.Path).ReadKlines("BTCUSDT", Timeframe.OneMinute, "Replay").ToList();

        Assert.Equal([t, t + m, t + (2 * m), t + (3 * m), t + (4 * m), t + (5 * m)], bars.Select(b => b.OpenTimeMs));
        Assert.Equal(7, bars[2].TradeCount);
        Assert.All(bars, b => Assert.Equal(("Replay", "BTCUSDT", true), (b.Source, b.Symbol, b.IsClosed)));
    }

    [Fact]
    public void Where_a_mexc_60m_file_overlaps_a_binance_1h_file_the_binance_rows_are_kept()
    {
        using var dir = new TempDirectory();
        const long h = 3_600_000;
        const long t = 1_764_849_600_000; // 2025-12-04 12:00 UTC

        // MEXC rows carry a quote volume (more fields) but are another venue's prices: Binance's win where both exist.
        dir.Write("mexc/BTCUSDT-60m-2025-12-04_2026-06-04.csv.gz",
            $"{t},92000,92100,91900,92050,10,{t + h},920000.00", $"{t + h},92050,92200,92000,92100,11,{t + (2 * h)},1012000.00");
        dir.Write("binance/BTCUSDT-1h-2017-08-17_2026-07-26.ohlcv.csv.gz", $"{t + h},92060,92210,92010,92110,20");

        var bars = ReplayFileCatalog.Scan(dir.Path).ReadKlines("BTCUSDT", Timeframe.OneHour, "Replay").ToList();

        Assert.Equal([(t, 92000d), (t + h, 92060d)], bars.Select(b => (b.OpenTimeMs, b.Open)));
    }

    [Fact]
    public void Rows_that_go_back_in_time_within_a_file_are_rejected_with_their_line()
    {
        using var dir = new TempDirectory();
        const long t = 1_704_067_200_000;
        dir.Write("BTCUSDT-1m-x.csv",
            $"{t},10,11,9,10,1", $"{t + 120_000},10,11,9,10,1", $"{t + 60_000},10,11,9,10,1", $"{t + 120_000},10,11,9,10,1", $"{t + 180_000},10,9,11,10,1", $"{t + 240_000},10,11,9,10,1");

        var rejected = new List<(string File, int Line, string Reason)>();
        var bars = ReplayFileCatalog.Scan(dir.Path).ReadKlines("BTCUSDT", Timeframe.OneMinute, "Replay", (f, l, r) => rejected.Add((Path.GetFileName(f.Path), l, r))).ToList();

        Assert.Equal([t, t + 120_000, t + 240_000], bars.Select(b => b.OpenTimeMs));
        Assert.Equal([3, 4, 5], rejected.Select(r => r.Line));
        Assert.All(rejected, r => Assert.Equal("BTCUSDT-1m-x.csv", r.File));
        Assert.Contains("not after", rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("high", rejected[2].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Trades_from_overlapping_files_merge_by_time_and_drop_repeated_ids()
    {
        using var dir = new TempDirectory();
        dir.Write("BTCUSDT-trades-day1.csv", "1,100,1,100,1000,True,True", "2,101,1,101,2000,False,True", "3,102,1,102,3000,False,True");
        dir.Write("BTCUSDT-trades-day1-again.csv.gz", "2,101,1,101,2000,False,True", "3,102,1,102,3000,False,True", "4,103,1,103,3000,True,True", "5,99,1,99,4000,True,True");

        // aggTrades are another id space: with raw trades present they are not used.
        dir.Write("BTCUSDT-aggTrades-day1.csv", "1,100,5,1,5,1000,True,True");

        var catalog = ReplayFileCatalog.Scan(dir.Path);
        var ticks = catalog.ReadTrades("BTCUSDT", "Replay").ToList();

        Assert.Equal([1L, 2, 3, 4, 5], ticks.Select(x => x.TradeId));
        Assert.Equal([100d, 101, 102, 103, 99], ticks.Select(x => x.Price));
        Assert.All(catalog.TradeFiles("BTCUSDT"), f => Assert.Equal(ReplayFileKind.Trades, f.Kind));
    }

    [Fact]
    public void AggTrades_are_used_when_there_are_no_raw_trades()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-aggTrades-day1.csv.gz", "10,2000,1.5,100,104,1723161599939,False,True", "11,2001,0.5,105,105,1723161600181,True,True");

        var ticks = ReplayFileCatalog.Scan(dir.Path).ReadTrades("ETHUSDT", "Replay").ToList();

        Assert.Equal([10L, 11], ticks.Select(x => x.TradeId));
        Assert.Equal([1.5, 0.5], ticks.Select(x => x.Quantity));
    }
}
