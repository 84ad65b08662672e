using System.Globalization;
using System.Text;
using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Exchanges;

public class BinanceMessageParserTests
{
    private const long Received = 1_700_000_000_123;

    private static readonly BinanceMessageParser Parser = new(["BTCUSDT", "ETHUSDT", "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"]);

    private static BinanceParseResult ParseFile(params string[] path) =>
        Parser.Parse(File.ReadAllBytes(TestData.File(path)), Received);

    [Fact]
    public void Trade_sample_BTCUSDT_hftbacktest_is_parsed_with_the_values_of_the_json()
    {
        var result = ParseFile("protocol", "binance", "ws_samples", "BTCUSDT_trade.hftbacktest_2024-08-08.json");

        Assert.Equal(BinanceMessageKind.Trade, result.Kind);
        var tick = result.Tick!;
        Assert.Equal("Binance", tick.Source);
        Assert.Equal("BTCUSDT", tick.Symbol);
        Assert.Equal(3735683259L, tick.TradeId);
        Assert.Equal(61837.63, tick.Price);
        Assert.Equal(0.02, tick.Quantity);
        Assert.True(tick.IsBuyerMaker);
        Assert.Equal(TradeSide.Sell, tick.Side);
        Assert.Equal(1723161255342L, tick.ExchangeTimeMs);
        Assert.Equal(Received, tick.ReceivedTimeMs);
    }

    [Fact]
    public void Trade_sample_ETHUSDT_hftbacktest_is_parsed_with_the_values_of_the_json()
    {
        var tick = ParseFile("protocol", "binance", "ws_samples", "ETHUSDT_trade.hftbacktest_2024-08-08.json").Tick!;

        Assert.Equal("ETHUSDT", tick.Symbol);
        Assert.Equal(1520538925L, tick.TradeId);
        Assert.Equal(2683.80, tick.Price);
        Assert.Equal(0.002, tick.Quantity);
        Assert.Equal(1723161255611L, tick.ExchangeTimeMs);
    }

    [Fact]
    public void Pretty_printed_nautilus_trade_takes_t_as_id_not_the_old_order_id_fields()
    {
        // This older trade payload also carries "b" and "a" (buyer and seller order ids).
        var tick = ParseFile("protocol", "binance", "nautilus_trader", "spot", "ws", "ws_spot_trade.json").Tick!;

        Assert.Equal("ETHUSDT", tick.Symbol);
        Assert.Equal(705291099L, tick.TradeId);
        Assert.Equal(4149.74, tick.Price);
        Assert.Equal(0.4387, tick.Quantity);
        Assert.True(tick.IsBuyerMaker);
        Assert.Equal(1639351062243L, tick.ExchangeTimeMs);
    }

    [Fact]
    public void AggTrade_samples_take_the_aggregate_id()
    {
        var nautilus = ParseFile("protocol", "binance", "nautilus_trader", "spot", "ws", "ws_spot_agg_trade.json").Tick!;
        Assert.Equal("ETHUSDT", nautilus.Symbol);
        Assert.Equal(226532L, nautilus.TradeId);
        Assert.Equal(1632.46, nautilus.Price);
        Assert.Equal(0.34305, nautilus.Quantity);
        Assert.False(nautilus.IsBuyerMaker);
        Assert.Equal(1675759520847L, nautilus.ExchangeTimeMs);

        var cryptofeed = ParseFile("protocol", "binance", "ws_samples", "combined_stream_aggTrade.cryptofeed_2021-10-12.json").Tick!;
        Assert.Equal("NKNUSDT", cryptofeed.Symbol);
        Assert.Equal(15683430L, cryptofeed.TradeId);
        Assert.Equal(0.3528, cryptofeed.Price);
        Assert.Equal(58.0, cryptofeed.Quantity);
        Assert.Equal(1633998523963L, cryptofeed.ExchangeTimeMs);
    }

    [Fact]
    public void Kline_sample_is_a_forming_one_minute_bar_with_the_values_of_the_json()
    {
        var result = ParseFile("protocol", "binance", "ws_samples", "combined_stream_kline_1m.cryptofeed_2021-10-12.json");

        Assert.Equal(BinanceMessageKind.Kline, result.Kind);
        var bar = result.Bar!;
        Assert.Equal("NKNUSDT", bar.Symbol);
        Assert.Equal(Timeframe.OneMinute, bar.Timeframe);
        Assert.Equal(1633998480000L, bar.OpenTimeMs);
        Assert.Equal(1633998539999L, bar.CloseTimeMs);
        Assert.Equal(0.3527, bar.Open);
        Assert.Equal(0.3528, bar.High);
        Assert.Equal(0.3522, bar.Low);
        Assert.Equal(0.3528, bar.Close);
        Assert.Equal(25877.0, bar.Volume);
        Assert.Equal(9116.046, bar.QuoteVolume);
        Assert.Equal(30L, bar.TradeCount);
        Assert.False(bar.IsClosed);
        Assert.Equal(1633998523963L, bar.ExchangeTimeMs);
        Assert.Equal(Received, bar.ReceivedTimeMs);
    }

    [Fact]
    public void Every_trade_of_a_real_recording_matches_a_JsonDocument_reading_and_passes_the_sequence_guard()
    {
        var guard = new TradeSequenceGuard();
        var count = 0;
        using var reader = KlineCsvReader.OpenText(TestData.File("binance", "spot", "ws_recordings", "ethusdt_20240808.txt.gz"));
        while (reader.ReadLine() is { } line)
        {
            var json = line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            if (!json.Contains("@trade\"", StringComparison.Ordinal))
            {
                continue;
            }

            var result = Parser.Parse(Encoding.UTF8.GetBytes(json), Received);
            Assert.Equal(BinanceMessageKind.Trade, result.Kind);
            var tick = result.Tick!;

            // Reference reading with System.Text.Json's DOM.
            using var doc = JsonDocument.Parse(json);
            var data = doc.RootElement.GetProperty("data");
            Assert.Equal(data.GetProperty("s").GetString(), tick.Symbol);
            Assert.Equal(data.GetProperty("t").GetInt64(), tick.TradeId);
            Assert.Equal(double.Parse(data.GetProperty("p").GetString()!, CultureInfo.InvariantCulture), tick.Price);
            Assert.Equal(double.Parse(data.GetProperty("q").GetString()!, CultureInfo.InvariantCulture), tick.Quantity);
            Assert.Equal(data.GetProperty("T").GetInt64(), tick.ExchangeTimeMs);
            Assert.Equal(data.GetProperty("m").GetBoolean(), tick.IsBuyerMaker);
            Assert.Null(guard.Check(tick.Symbol, tick.TradeId));
            count++;
        }

        Assert.Equal(6106, count); // the README's count of trade messages in this file
    }

    [Fact]
    public void Every_message_of_the_cryptofeed_recording_matches_a_JsonDocument_reading_or_is_rejected_as_unknown()
    {
        var klines = 0;
        var aggTrades = 0;
        using var reader = KlineCsvReader.OpenText(TestData.File("protocol", "binance", "cryptofeed_recordings", "BINANCE.ws.1.0.txt.gz"));
        reader.ReadLine(); // URL line
        while (reader.ReadLine() is { } line)
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                continue; // trailing blank line
            }

            var json = line[(colon + 2)..];
            using var doc = JsonDocument.Parse(json);
            var data = doc.RootElement.GetProperty("data");
            var type = data.TryGetProperty("e", out var e) ? e.GetString() : null; // bookTicker has no event type
            var result = Parser.Parse(Encoding.UTF8.GetBytes(json), Received);
            if (type == "kline")
            {
                var k = data.GetProperty("k");
                Assert.Equal(BinanceMessageKind.Kline, result.Kind);
                var bar = result.Bar!;
                Assert.Equal(k.GetProperty("s").GetString(), bar.Symbol);
                Assert.Equal(k.GetProperty("t").GetInt64(), bar.OpenTimeMs);
                Assert.Equal(k.GetProperty("T").GetInt64(), bar.CloseTimeMs);
                Assert.Equal(Num(k, "o"), bar.Open);
                Assert.Equal(Num(k, "h"), bar.High);
                Assert.Equal(Num(k, "l"), bar.Low);
                Assert.Equal(Num(k, "c"), bar.Close);
                Assert.Equal(Num(k, "v"), bar.Volume);
                Assert.Equal(Num(k, "q"), bar.QuoteVolume);
                Assert.Equal(k.GetProperty("n").GetInt64(), bar.TradeCount);
                Assert.Equal(k.GetProperty("x").GetBoolean(), bar.IsClosed);
                klines++;
            }
            else if (type == "aggTrade")
            {
                Assert.Equal(BinanceMessageKind.Trade, result.Kind);
                Assert.Equal(data.GetProperty("a").GetInt64(), result.Tick!.TradeId);
                Assert.Equal(Num(data, "p"), result.Tick.Price);
                aggTrades++;
            }
            else
            {
                // depthUpdate and bookTicker are not streams this parser serves.
                Assert.Equal(BinanceMessageKind.Rejected, result.Kind);
                Assert.Equal(RejectReasons.UnknownEvent, result.RejectReason);
            }
        }

        // Counted with grep on the recording: 2 kline and 2 aggTrade events among the depth and bookTicker lines.
        Assert.Equal(2, klines);
        Assert.Equal(2, aggTrades);
    }

    private static double Num(JsonElement e, string name) => double.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    [Fact]
    public void Raw_event_without_the_combined_stream_envelope_is_parsed()
    {
        var json = "{\"e\":\"trade\",\"E\":2,\"s\":\"ETHUSDT\",\"t\":42,\"p\":\"2000.5\",\"q\":\"1.25\",\"T\":1,\"m\":false,\"M\":true}";
        var tick = Parser.Parse(Encoding.UTF8.GetBytes(json), Received).Tick!;
        Assert.Equal(42L, tick.TradeId);
        Assert.Equal(2000.5, tick.Price);
        Assert.Equal(1.25, tick.Quantity);
        Assert.Equal(TradeSide.Buy, tick.Side);
    }

    [Fact]
    public void Lower_case_symbol_maps_to_the_same_cached_string()
    {
        var json = "{\"e\":\"trade\",\"E\":2,\"s\":\"ethusdt\",\"t\":42,\"p\":\"2000.5\",\"q\":\"1.25\",\"T\":1,\"m\":false}";
        var a = Parser.Parse(Encoding.UTF8.GetBytes(json), Received).Tick!;
        var b = Parser.Parse(Encoding.UTF8.GetBytes(json), Received).Tick!;
        Assert.Equal("ETHUSDT", a.Symbol);
        Assert.Same(a.Symbol, b.Symbol);
    }

    [Theory]
    [InlineData("{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"20", RejectReasons.MalformedJson)]
    [InlineData("not json at all", RejectReasons.MalformedJson)]
    [InlineData("[1,2,3]", RejectReasons.MalformedJson)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"1.0\",\"q\":\"1\",\"T\":1,\"m\":true}{}", RejectReasons.MalformedJson)]
    [InlineData("{\"stream\":\"ethusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\",\"U\":1,\"u\":2,\"b\":[],\"a\":[]}}", RejectReasons.UnknownEvent)]
    [InlineData("{\"result\":null,\"id\":1}", RejectReasons.UnknownEvent)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"NaN\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.InvalidNumber)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"abc\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.InvalidNumber)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"12.5x\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.InvalidNumber)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"0.00000000\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.NonPositivePrice)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"-5\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.NonPositivePrice)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"5\",\"q\":\"-0.1\",\"T\":1,\"m\":true}", RejectReasons.NegativeQuantity)]
    [InlineData("{\"e\":\"trade\",\"s\":\"ETHUSDT\",\"t\":1,\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.MalformedJson)]
    [InlineData("{\"e\":\"aggTrade\",\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"5\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.MalformedJson)]
    [InlineData("{\"e\":\"trade\",\"s\":\"DOGEUSDT\",\"t\":1,\"p\":\"5\",\"q\":\"1\",\"T\":1,\"m\":true}", RejectReasons.UnknownSymbol)]
    public void Bad_trade_input_is_rejected_with_its_reason(string json, string reason)
    {
        var result = Parser.Parse(Encoding.UTF8.GetBytes(json), Received);
        Assert.Equal(BinanceMessageKind.Rejected, result.Kind);
        Assert.Equal(reason, result.RejectReason);
        Assert.Null(result.Tick);
        Assert.False(string.IsNullOrEmpty(result.RejectDetail));
    }

    [Theory]
    [InlineData("10", "9", "11", "10", "1", RejectReasons.HighBelowLow)]
    [InlineData("12", "11", "9", "10", "1", RejectReasons.OhlcOutsideRange)]
    [InlineData("10", "11", "9", "8", "1", RejectReasons.OhlcOutsideRange)]
    [InlineData("10", "11", "0", "10", "1", RejectReasons.NonPositivePrice)]
    [InlineData("10", "11", "9", "10", "-1", RejectReasons.NegativeQuantity)]
    [InlineData("10", "11", "x", "10", "1", RejectReasons.InvalidNumber)]
    public void Inconsistent_kline_is_rejected_with_its_reason(string open, string high, string low, string close, string volume, string reason)
    {
        var json = BinanceJson.Kline("ETHUSDT", "1m", 1_700_000_040_000, 60_000, open, high, low, close, volume, closed: true, eventTime: 1_700_000_100_000);
        var result = Parser.Parse(Encoding.UTF8.GetBytes(json), Received);
        Assert.Equal(BinanceMessageKind.Rejected, result.Kind);
        Assert.Equal(reason, result.RejectReason);
    }

    [Fact]
    public void Kline_of_an_interval_we_do_not_use_is_rejected_as_unknown()
    {
        var json = BinanceJson.Kline("ETHUSDT", "5m", 1_700_000_100_000, 300_000, "10", "11", "9", "10", "1", closed: true, eventTime: 1);
        var result = Parser.Parse(Encoding.UTF8.GetBytes(json), Received);
        Assert.Equal(RejectReasons.UnknownEvent, result.RejectReason);
    }

    [Fact]
    public void Valid_closed_kline_built_by_the_test_is_parsed()
    {
        var json = BinanceJson.Kline("BTCUSDT", "1h", 1_700_002_800_000, 3_600_000, "100.5", "110", "99", "105.25", "12.5", closed: true, eventTime: 1_700_006_400_100);
        var bar = Parser.Parse(Encoding.UTF8.GetBytes(json), Received).Bar!;
        Assert.Equal(Timeframe.OneHour, bar.Timeframe);
        Assert.Equal(1_700_002_800_000L, bar.OpenTimeMs);
        Assert.Equal((100.5, 110.0, 99.0, 105.25, 12.5), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume));
        Assert.True(bar.IsClosed);
        Assert.Equal(1_700_006_400_100L, bar.ExchangeTimeMs);
    }

    [Fact]
    public void Server_shutdown_event_is_recognised()
    {
        var result = Parser.Parse("{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"serverShutdown\",\"E\":1770123456789}}"u8, Received);
        Assert.Equal(BinanceMessageKind.ServerShutdown, result.Kind);
    }
}
