using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

public class TradeCsvReaderTests
{
    [Theory]
    [InlineData("BTCUSDT-trades-2024-08-08.csv")]
    [InlineData("BTCUSDT-trades-2024-08-08.csv.gz")]
    public void Reads_a_headerless_trades_dump_plain_or_gzipped(string name)
    {
        using var dir = new TempDirectory();
        var path = dir.Write(name,
            "3735683259,61837.63000000,0.02000000,1236.75260000,1723161255342,True,True",
            "3735683260,61837.64000000,0.04800000,2968.20672000,1723161255617,False,True");

        var ticks = TradeCsvReader.Read(path, TradeFileKind.Trades, "Replay", "BTCUSDT").ToList();

        Assert.Equal(
            [
                new MarketTick("Replay", "BTCUSDT", 3735683259, 61837.63, 0.02, true, 1723161255342, 1723161255342),
                new MarketTick("Replay", "BTCUSDT", 3735683260, 61837.64, 0.048, false, 1723161255617, 1723161255617),
            ],
            ticks);
    }

    [Fact]
    public void Reads_a_trades_file_with_header_microseconds_lowercase_booleans_and_no_best_match_column()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("BTCUSDT-trades-2025-01-01.csv",
            "id,price,qty,quote_qty,time,is_buyer_maker",
            "4000000001,93000.5,0.001,93.0005,1735689600123456,true",
            "4000000002,93001,0.5,46500.5,1735689600999999,false");

        var ticks = TradeCsvReader.Read(path, TradeFileKind.Trades, "Replay", "BTCUSDT").ToList();

        // 1735689600123456 us -> 1735689600123 ms (truncated, as Binance's ms field would read).
        Assert.Equal([1735689600123L, 1735689600999L], ticks.Select(t => t.ExchangeTimeMs));
        Assert.Equal([true, false], ticks.Select(t => t.IsBuyerMaker));
        Assert.Equal([TradeSide.Sell, TradeSide.Buy], ticks.Select(t => t.Side));
    }

    [Fact]
    public void Reads_an_aggTrades_file_taking_the_aggregate_id_and_the_sixth_column_as_time()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("ETHUSDT-aggTrades-2024-08-08.csv.gz",
            "agg_id,price,qty,first_id,last_id,transact_time,is_buyer_maker,is_best_match",
            "1200000001,2682.50,1.25,1520545020,1520545022,1723161599939,False,True",
            "1200000002,2682.51,0.5,1520545023,1520545023,1723161600181,True,True");

        var ticks = TradeCsvReader.Read(path, TradeFileKind.AggTrades, "Replay", "ETHUSDT").ToList();

        Assert.Equal(
            [
                new MarketTick("Replay", "ETHUSDT", 1200000001, 2682.50, 1.25, false, 1723161599939, 1723161599939),
                new MarketTick("Replay", "ETHUSDT", 1200000002, 2682.51, 0.5, true, 1723161600181, 1723161600181),
            ],
            ticks);
    }

    [Fact]
    public void Bad_rows_are_reported_with_line_number_and_reason_and_skipped()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("BTCUSDT-trades-x.csv",
            "id,price,qty,quote_qty,time,is_buyer_maker,is_best_match",
            "1,100,1,100,1723161255342,True,True",
            "2,abc,1,100,1723161255343,True,True",
            "3,-5,1,-5,1723161255344,True,True",
            "4,100,0,0,1723161255345,True,True",
            "5,100,1,100,1723161255346,maybe,True",
            "6,100,1,100",
            "7,100,1,100,notatime,False,True",
            "",
            "8,101,2,202,1723161255349,False,True");

        var rejected = new List<(int Line, string Reason)>();
        var ticks = TradeCsvReader.Read(path, TradeFileKind.Trades, "Replay", "BTCUSDT", (line, reason) => rejected.Add((line, reason))).ToList();

        Assert.Equal([1L, 8L], ticks.Select(t => t.TradeId));
        Assert.Equal([3, 4, 5, 6, 7, 8], rejected.Select(r => r.Line));
        Assert.Contains("price 'abc'", rejected[0].Reason, StringComparison.Ordinal);
        Assert.Contains("non-positive price", rejected[1].Reason, StringComparison.Ordinal);
        Assert.Contains("non-positive quantity", rejected[2].Reason, StringComparison.Ordinal);
        Assert.Contains("is_buyer_maker 'maybe'", rejected[3].Reason, StringComparison.Ordinal);
        Assert.Contains("columns", rejected[4].Reason, StringComparison.Ordinal);
        Assert.Contains("time 'notatime'", rejected[5].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_callback_a_bad_row_throws_naming_file_and_line()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("BTCUSDT-aggTrades-x.csv", "1,100,1,5,4,1723161255342,True,True");

        var ex = Assert.Throws<FormatException>(() => TradeCsvReader.Read(path, TradeFileKind.AggTrades, "Replay", "BTCUSDT").ToList());
        Assert.Contains("line 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("last_id 4 is below first_id 5", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1,100,1,100,1723161255342,True,True,extra")]
    [InlineData("1,100,1,100,1723161255342")]
    public void Wrong_column_counts_are_rejected(string row)
    {
        Assert.False(TradeCsvReader.TryParseRow(row, TradeFileKind.Trades, "Replay", "BTCUSDT", out var tick, out var reason));
        Assert.Null(tick);
        Assert.Contains("columns", reason, StringComparison.Ordinal);
    }
}
