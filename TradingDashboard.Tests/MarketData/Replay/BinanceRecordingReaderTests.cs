using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

public class BinanceRecordingReaderTests
{
    // Lines in the hftbacktest layout; the trade line is the first trade of btcusdt_20240808 as recorded.
    private const string Trade = """1723161254087896568 {"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}}""";
    private const string Depth = """1723161253937085768 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"]],"a":[]}}""";
    private const string Book = """1723161254000000000 {"stream":"btcusdt@bookTicker","data":{"u":50093239203,"s":"BTCUSDT","b":"61837.63000000","B":"1.0","a":"61837.64000000","A":"2.0"}}""";
    private const string Snapshot = """1723161254100000000 {"lastUpdateId":50093239100,"bids":[["61837.63000000","1.00000000"]],"asks":[["61837.64000000","2.00000000"]]}""";
    private const string EthTrade = """1723161254200000000 {"stream":"ethusdt@trade","data":{"e":"trade","E":1723161255612,"s":"ETHUSDT","t":1520538925,"p":"2683.80000000","q":"0.00200000","T":1723161255611,"m":false,"M":true}}""";

    [Fact]
    public void Takes_trade_messages_only_with_exchange_and_receive_times()
    {
        Assert.Equal(RecordingLineKind.Trade, BinanceRecordingReader.ParseLine(Trade, "Replay", out var tick, out var reason));
        Assert.Null(reason);

        // Receive time is the recorder's ns clock cut to ms; exchange time is T.
        Assert.Equal(new MarketTick("Replay", "BTCUSDT", 3735683259, 61837.63, 0.02, true, 1723161255342, 1723161254087), tick);

        foreach (var other in new[] { Depth, Book, Snapshot })
        {
            Assert.Equal(RecordingLineKind.Other, BinanceRecordingReader.ParseLine(other, "Replay", out var none, out _));
            Assert.Null(none);
        }
    }

    [Theory]
    [InlineData("no-separator", "expected")]
    [InlineData("12ab {\"stream\":\"btcusdt@trade\"}", "receive time")]
    [InlineData("1723161254087896568 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\"", "malformed JSON")]
    [InlineData("1723161254087896568 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"0\",\"q\":\"1\",\"T\":5,\"m\":true}}", "price")]
    [InlineData("1723161254087896568 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"10\",\"q\":\"1\",\"m\":true}}", "trade time T")]
    [InlineData("1723161254087896568 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"BTCUSDT\",\"t\":1,\"p\":10,\"q\":\"1\",\"T\":5,\"m\":true}}", "price")]
    public void Malformed_lines_are_rejected_with_a_reason(string line, string expected)
    {
        Assert.Equal(RecordingLineKind.Rejected, BinanceRecordingReader.ParseLine(line, "Replay", out var tick, out var reason));
        Assert.Null(tick);
        Assert.Contains(expected, reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadTrades_filters_by_symbol_and_reports_bad_lines_by_number()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("btcusdt_20240808.txt.gz", Depth, Trade, "garbage", Book, EthTrade, Snapshot);

        var rejected = new List<(int, string)>();
        var all = BinanceRecordingReader.ReadTrades(path, "Replay", null, (l, r) => rejected.Add((l, r))).ToList();
        var btc = BinanceRecordingReader.ReadTrades(path, "Replay", "btcusdt", (_, _) => { }).ToList();

        Assert.Equal(["BTCUSDT", "ETHUSDT"], all.Select(t => t.Symbol));
        Assert.Equal([3735683259L], btc.Select(t => t.TradeId));
        Assert.Equal(3, Assert.Single(rejected).Item1);
    }
}
