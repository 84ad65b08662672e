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
