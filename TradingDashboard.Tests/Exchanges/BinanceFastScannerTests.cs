using System.Text;
using System.Text.Json.Nodes;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Exchanges;

/// <summary>
/// The parser's hand-written scanner must give exactly what the Utf8JsonReader path gives (same record, same reject
/// reason and detail) on every real message and on mutated ones; where it cannot, it must fall back rather than differ.
/// </summary>
public class BinanceFastScannerTests
{
    private const long Received = 1_700_000_000_123;

    private static readonly BinanceMessageParser Parser = new(["BTCUSDT", "ETHUSDT", "NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"]);

    private static void AssertSameAsReader(byte[] message)
    {
        var fast = Parser.Parse(message, Received);
        var reference = Parser.ParseWithJsonReader(message, Received);
        var text = Encoding.UTF8.GetString(message);
        Assert.True(fast.Kind == reference.Kind, "kind differs for " + text);
        Assert.True(fast.RejectReason == reference.RejectReason, "reject reason differs for " + text);
        Assert.True(fast.RejectDetail == reference.RejectDetail, "reject detail differs for " + text);
        Assert.True(Equals(fast.Tick, reference.Tick), "tick differs for " + text);
        Assert.True(Equals(fast.Bar, reference.Bar), "bar differs for " + text);
    }

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(TestData.File("protocol", "binance", "ws_samples", name)).AsSpan().TrimEnd("\n"u8).ToArray();

    public static TheoryData<string> Recordings() =>
        ["btcusdt_20240808.txt.gz", "btcusdt_20240809.txt.gz", "ethusdt_20240808.txt.gz", "ethusdt_20240809.txt.gz"];

    [Theory]
    [MemberData(nameof(Recordings))]
    public void Every_message_of_a_binance_recording_gives_the_reader_result_and_trades_take_the_fast_path(string file)
    {
        var trades = 0;
        using var reader = KlineCsvReader.OpenText(TestData.File("binance", "spot", "ws_recordings", file));
        while (reader.ReadLine() is { } line)
        {
            var json = Encoding.UTF8.GetBytes(line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
            AssertSameAsReader(json);
            if (line.Contains("@trade\"", StringComparison.Ordinal))
            {
                Assert.True(Parser.FastScannerAccepts(json), "fast scanner fell back on " + line);
                trades++;
            }
        }

        Assert.True(trades > 1000, $"only {trades} trade messages seen");
    }

    [Fact]
    public void Every_message_of_the_cryptofeed_recording_gives_the_reader_result_and_klines_take_the_fast_path()
    {
        var fastPath = 0;
        using var reader = KlineCsvReader.OpenText(TestData.File("protocol", "binance", "cryptofeed_recordings", "BINANCE.ws.1.0.txt.gz"));
        reader.ReadLine(); // URL line
        while (reader.ReadLine() is { } line)
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            var json = Encoding.UTF8.GetBytes(line[(colon + 2)..]);
            AssertSameAsReader(json);
            if (line.Contains("\"e\":\"kline\"", StringComparison.Ordinal) || line.Contains("\"e\":\"aggTrade\"", StringComparison.Ordinal))
            {
                Assert.True(Parser.FastScannerAccepts(json), "fast scanner fell back on " + line);
                fastPath++;
            }
        }

        Assert.Equal(4, fastPath); // 2 kline and 2 aggTrade events in this recording
    }

    public static TheoryData<string> Samples() =>
    [
        "BTCUSDT_trade.hftbacktest_2024-08-08.json",
        "ETHUSDT_trade.hftbacktest_2024-08-08.json",
        "combined_stream_aggTrade.cryptofeed_2021-10-12.json",
        "combined_stream_kline_1m.cryptofeed_2021-10-12.json",
    ];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Reordered_keys_give_the_same_record_as_the_original(string sample)
    {
        var original = Sample(sample);
        var expected = Parser.ParseWithJsonReader(original, Received);
        Assert.NotEqual(BinanceMessageKind.Rejected, expected.Kind);

        var root = JsonNode.Parse(original)!.AsObject();
        var reversed = Reverse(root);
        var bytes = Encoding.UTF8.GetBytes(reversed.ToJsonString());
        Assert.NotEqual(original, bytes);
        AssertSameAsReader(bytes);
        var result = Parser.Parse(bytes, Received);
        Assert.Equal(expected.Tick, result.Tick);
        Assert.Equal(expected.Bar, result.Bar);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Added_whitespace_and_escapes_fall_back_and_give_the_same_record(string sample)
    {
        var original = Sample(sample);
        var expected = Parser.ParseWithJsonReader(original, Received);
        var text = Encoding.UTF8.GetString(original);
        string[] variants =
        [
            " " + text,
            text + " \r\n",
            text.Replace(":", ": ", StringComparison.Ordinal),
            text.Replace(",", " ,\n", StringComparison.Ordinal),
            JsonNode.Parse(text)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }),
            text.Replace("\"s\":", "\"\\u0073\":", StringComparison.Ordinal),
            text.Replace("USDT\"", "\\u0055SDT\"", StringComparison.Ordinal),
        ];
        foreach (var variant in variants)
        {
            var bytes = Encoding.UTF8.GetBytes(variant);
            Assert.NotEqual(original, bytes);
            Assert.False(Parser.FastScannerAccepts(bytes), "fast scanner took " + variant);
            AssertSameAsReader(bytes);
            var result = Parser.Parse(bytes, Received);
            if (variant.Contains("\\u00", StringComparison.Ordinal))
            {
                continue; // escaped names and values are taken raw by the reader path too (rejected): compared above
            }

            Assert.Equal(expected.Tick, result.Tick);
            Assert.Equal(expected.Bar, result.Bar);
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_truncation_and_single_byte_corruption_gives_the_reader_result(string sample)
    {
        var original = Sample(sample);
        for (var length = 0; length < original.Length; length++)
        {
            AssertSameAsReader(original[..length]);
        }

        byte[] replacements = "\"{}[],:.-0 9aex\\\u0001"u8.ToArray();
        for (var i = 0; i < original.Length; i++)
        {
            foreach (var b in replacements)
            {
                var mutated = (byte[])original.Clone();
                mutated[i] = b;
                AssertSameAsReader(mutated);
            }

            var removed = original[..i].Concat(original[(i + 1)..]).ToArray();
            AssertSameAsReader(removed);
        }
    }

    [Fact]
    public void Kline_field_type_surprises_give_the_reader_result()
    {
        var text = Encoding.UTF8.GetString(Sample("combined_stream_kline_1m.cryptofeed_2021-10-12.json"));
        string[] variants =
        [
            text.Replace("\"x\":false", "\"x\":null", StringComparison.Ordinal),
            text.Replace("\"x\":false", "\"x\":\"false\"", StringComparison.Ordinal),
            text.Replace("\"o\":\"", "\"o\":\"x", StringComparison.Ordinal),
            text.Replace("\"i\":\"1m\"", "\"i\":\"3m\"", StringComparison.Ordinal),
            text.Replace("\"k\":{", "\"k\":{\"z\":{\"a\":1},", StringComparison.Ordinal),
            text.Replace("\"k\":{", "\"k\":{\"z\":[1,2],", StringComparison.Ordinal),
            text.Replace("\"k\":{", "\"k\":{\"t\":1.5e3,", StringComparison.Ordinal),
            text.Replace("\"k\":{", "\"k\":{\"t\":01,", StringComparison.Ordinal),
            text.Replace("\"E\":", "\"E\":-", StringComparison.Ordinal),
            text.Replace("\"data\":{", "\"data\":{\"data\":{},", StringComparison.Ordinal),
            text.Replace("\"stream\":", "\"other\":{\"e\":\"trade\"},\"stream\":", StringComparison.Ordinal),
            text.Replace("\"k\":{", "\"k\":7,\"k\":{", StringComparison.Ordinal),
            text.Replace("NKNUSDT", "NKNUSDT\u00e9", StringComparison.Ordinal),
            text + "{}",
        ];
        foreach (var variant in variants)
        {
            Assert.NotEqual(text, variant);
            AssertSameAsReader(Encoding.UTF8.GetBytes(variant));
        }
    }

    /// <summary>Decimal strings at and past the edges of the one-pass decimal scan (significant digits, 2^53, 22 fraction digits, signs, stray characters).</summary>
    public static TheoryData<string> DecimalTexts() =>
    [
        "0.35270000", "0.3527", "00000.35270000", "5.", ".5", "-0.3527", "-0", "0", "-", ".", "", "1.2.3", "1e5", "+1", "0x10",
        "1234567890123456789", "12345678901234567890", "0.0000000000000000001234567891", "9007199254740992", "9007199254740993",
        "0.1234567890123456789012", "0.12345678901234567890123", "35270000e-8", "0.3527 ", "0,3527",
    ];

    [Theory]
    [MemberData(nameof(DecimalTexts))]
    public void Kline_and_trade_decimals_at_the_edges_give_the_reader_result_and_the_nearest_double(string text)
    {
        var kline = Encoding.UTF8.GetString(Sample("combined_stream_kline_1m.cryptofeed_2021-10-12.json"));
        var trade = Encoding.UTF8.GetString(Sample("BTCUSDT_trade.hftbacktest_2024-08-08.json"));

        // Volume and quote volume (where the value is otherwise free), and the trade quantity.
        var volume = kline.Replace("\"v\":\"25877.00000000\"", $"\"v\":\"{text}\"", StringComparison.Ordinal);
        var quote = kline.Replace("\"q\":\"9116.04600000\"", $"\"q\":\"{text}\"", StringComparison.Ordinal);
        var quantity = System.Text.RegularExpressions.Regex.Replace(trade, "\"q\":\"[^\"]*\"", $"\"q\":\"{text}\"");
        Assert.NotEqual(kline, volume);
        Assert.NotEqual(kline, quote);
        Assert.NotEqual(trade, quantity);
        AssertSameAsReader(Encoding.UTF8.GetBytes(volume));
        AssertSameAsReader(Encoding.UTF8.GetBytes(quote));
        AssertSameAsReader(Encoding.UTF8.GetBytes(quantity));

        // Where it is a number, it is the double nearest the decimal (what double.Parse gives).
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var expected)
            && text.Trim() == text && !text.Contains('e', StringComparison.Ordinal) && !text.StartsWith('+'))
        {
            var bar = Parser.Parse(Encoding.UTF8.GetBytes(quote), Received).Bar;
            Assert.NotNull(bar);
            Assert.Equal(expected, bar.QuoteVolume);
        }
    }

    [Theory]
    [InlineData("1633998540000")]
    [InlineData("999999999999999999")]
    [InlineData("1000000000000000000")]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775808")]
    [InlineData("-60000")]
    [InlineData("-0")]
    [InlineData("0")]
    public void Integer_fields_at_the_edges_give_the_reader_result(string number)
    {
        var kline = Encoding.UTF8.GetString(Sample("combined_stream_kline_1m.cryptofeed_2021-10-12.json"));
        string[] variants =
        [
            kline.Replace("\"E\":1633998523963", $"\"E\":{number}", StringComparison.Ordinal),
            kline.Replace("\"n\":30", $"\"n\":{number}", StringComparison.Ordinal),
            kline.Replace("\"t\":1633998480000", $"\"t\":{number}", StringComparison.Ordinal),
            kline.Replace("\"k\":{", $"\"k\":{{\"o\":{number},", StringComparison.Ordinal).Replace(",\"o\":\"0.35270000\"", string.Empty, StringComparison.Ordinal),
        ];
        foreach (var variant in variants)
        {
            Assert.NotEqual(kline, variant);
            AssertSameAsReader(Encoding.UTF8.GetBytes(variant));
        }

        // The exchange time is the number itself, when it fits a long.
        if (long.TryParse(number, System.Globalization.CultureInfo.InvariantCulture, out var expected))
        {
            Assert.Equal(expected, Parser.Parse(Encoding.UTF8.GetBytes(variants[0]), Received).Bar!.ExchangeTimeMs);
        }
    }

    private static JsonObject Reverse(JsonObject source)
    {
        var result = new JsonObject();
        foreach (var (key, value) in source.Reverse())
        {
            result[key] = value is JsonObject nested ? Reverse(nested) : value?.DeepClone();
        }

        return result;
    }
}
