using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Tests.Indicators;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer;

namespace TradingDashboard.Tests.Trainer;

/// <summary>The trainer's verbs, run in-process.</summary>
public sealed class TrainerVerbTests : IDisposable
{
    private const string BtcMinutes = "binance/spot/klines/1m/BTCUSDT-1m-2025-10-29_2025-11-01.full.csv.gz";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-trainer-" + Guid.NewGuid().ToString("N"));

    public TrainerVerbTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Output) Run(params string[] args) => TrainerRunner.Run(args);

    private string Temp(string name) => Path.Combine(_directory, name);

    [Fact]
    public void Help_lists_the_verbs()
    {
        var (code, output) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("indicators", output, StringComparison.Ordinal);
        Assert.Contains("pivots", output, StringComparison.Ordinal);
        Assert.Contains("features", output, StringComparison.Ordinal);
        Assert.Contains("--timeframe TF", Run("indicators", "--help").Output, StringComparison.Ordinal);
        Assert.Equal(2, Run("train-everything").Code);
        Assert.Equal(2, Run().Code);
    }

    [Fact]
    public void Indicators_writes_the_documented_columns_and_values()
    {
        var output = Temp("btc.csv");
        var (code, text) = Run("indicators", "--input", TestData.File(BtcMinutes.Split('/')), "--symbol", "BTCUSDT", "--timeframe", "1m", "--output", output);
        Assert.Equal(0, code);
        Assert.Contains("4319 rows", text, StringComparison.Ordinal);

        var lines = File.ReadAllLines(output);
        Assert.Equal(
            "open_time,open,high,low,close,volume,sma_20,ema_20,wma_20,rsi_14,macd_12_26_9,macd_signal_12_26_9,macd_hist_12_26_9,bb_upper_20_2,bb_middle_20_2,bb_lower_20_2,atr_14,stoch_k_14_3_3,stoch_d_14_3_3,willr_14,cci_20,adx_14,plus_di_14,minus_di_14,obv,mfi_14,roc_10,stddev_20,vwap",
            lines[0]);
        Assert.Equal(4320, lines.Length);

        // The first row as in the file (2025-10-29 04:22 UTC), only obv and vwap valid.
        var first = lines[1].Split(',');
        Assert.Equal("1761711720000", first[0]);
        Assert.Equal("112731.29", first[1]);
        Assert.Equal(29, first.Length);
        Assert.Equal(string.Empty, first[6]);
        Assert.Equal(first[5], first[24]);

        // Values equal the reference implementation, parsed back from the round-trip text.
        var bars = IndicatorReferenceTests.Load(BtcMinutes, "BTCUSDT", "1m");
        var rsi = ReferenceIndicators.Rsi(bars.Select(b => b.Close).ToArray(), 14);
        var column = lines[0].Split(',').ToList().IndexOf("rsi_14");
        for (var i = 0; i < bars.Length; i++)
        {
            var cell = lines[i + 1].Split(',')[column];
            if (double.IsNaN(rsi[i]))
            {
                Assert.Equal(string.Empty, cell);
            }
            else
            {
                Assert.Equal(rsi[i], double.Parse(cell, CultureInfo.InvariantCulture), 1e-9 * 100);
            }
        }
    }

    [Fact]
    public void Pivots_writes_one_row_per_pivot_in_confirmation_order()
    {
        var output = Temp("pivots.csv");
        var (code, _) = Run("pivots", "--input", TestData.File(BtcMinutes.Split('/')), "--symbol", "BTCUSDT", "--timeframe", "1m", "--strength", "3", "--output", output);
        Assert.Equal(0, code);
        var lines = File.ReadAllLines(output);
        Assert.Equal("level,type,open_time,price,confirmed_at", lines[0]);

        var bars = IndicatorReferenceTests.Load(BtcMinutes, "BTCUSDT", "1m");
        var detector = new WilliamsPivotDetector("BTCUSDT", Core.Domain.Timeframe.OneMinute, new PivotSettings(Strength: 3));
        var expected = bars.SelectMany(b => detector.Update(b))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Level},{p.TypeCode},{p.OpenTimeMs},{p.Price:R},{p.ConfirmedAtMs}"))
            .ToList();
        Assert.Equal(expected, lines.Skip(1));
        Assert.Contains(lines, l => l.StartsWith("5,", StringComparison.Ordinal));

        // Level-1 strength 3: a high's confirmation is 3 bars (3 minutes) after its bar closes.
        var firstHigh = lines.Skip(1).First(l => l.StartsWith("1,high,", StringComparison.Ordinal)).Split(',');
        Assert.Equal(long.Parse(firstHigh[2], CultureInfo.InvariantCulture) + (4 * 60_000) - 1, long.Parse(firstHigh[4], CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Missing_file_malformed_row_and_unknown_timeframe_are_clear_errors()
    {
        var (code, text) = Run("indicators", "--input", Temp("nope.csv"), "--symbol", "BTCUSDT", "--timeframe", "1m", "--output", Temp("o.csv"));
        Assert.Equal(1, code);
        Assert.Contains("not found", text, StringComparison.Ordinal);
        Assert.Contains("nope.csv", text, StringComparison.Ordinal);

        var bad = Temp("bad.csv");
        File.WriteAllLines(bad, ["open_time,open,high,low,close,volume", "1727740800000,10,11,9,10.5,3", "1727740860000,10,11,9,abc,3"]);
        (code, text) = Run("pivots", "--input", bad, "--symbol", "ETHUSDT", "--timeframe", "1m", "--output", Temp("o.csv"));
        Assert.Equal(1, code);
        Assert.Contains("line 3", text, StringComparison.Ordinal);
        Assert.Contains("abc", text, StringComparison.Ordinal);

        (code, text) = Run("indicators", "--input", bad, "--symbol", "ETHUSDT", "--timeframe", "5m", "--output", Temp("o.csv"));
        Assert.Equal(2, code);
        Assert.Contains("unknown timeframe '5m'", text, StringComparison.Ordinal);

        (code, text) = Run("indicators", "--input", bad, "--symbol", "ETHUSDT", "--timeframe", "1m");
        Assert.Equal(2, code);
        Assert.Contains("--output", text, StringComparison.Ordinal);

        (code, text) = Run("indicators", "--input", bad, "--symbol", "ETHUSDT", "--timeframe", "1m", "--output", Temp("o.csv"), "--indicators", "sma_20,zzz_3");
        Assert.Equal(2, code);
        Assert.Contains("zzz_3", text, StringComparison.Ordinal);

        var unordered = Temp("unordered.csv");
        File.WriteAllLines(unordered, ["1727740860000,10,11,9,10.5,3", "1727740800000,10,11,9,10.5,3"]);
        (code, text) = Run("indicators", "--input", unordered, "--symbol", "ETHUSDT", "--timeframe", "1m", "--output", Temp("o.csv"));
        Assert.Equal(1, code);
        Assert.Contains("not after", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_writes_frames_schema_and_counts_with_1s_masked()
    {
        // A folder with the two 1m windows of 2024-10 and the daily files (symbolic links: the data is never copied).
        var input = Temp("klines");
        Directory.CreateDirectory(input);
        foreach (var file in new[]
        {
            "1m/ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz", "1m/BTCUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz",
            "1d/ETHUSDT-1d-2017-08-17_2026-07-25.ohlcv.csv.gz", "1d/BTCUSDT-1d-2017-08-17_2026-07-25.ohlcv.csv.gz",
        })
        {
            File.CreateSymbolicLink(Path.Combine(input, Path.GetFileName(file)), TestData.File(["binance", "spot", "klines", .. file.Split('/')]));
        }

        var output = Temp("frames");
        var (code, text) = Run("features", "--input", input, "--output", output, "--timeframes", "1s,1m,1d", "--window", "16", "--from", "2024-10-02", "--to", "2024-10-02T06:00", "--max-frames", "0");
        Assert.Equal(0, code);
        Assert.Contains("no 1s history", text, StringComparison.Ordinal);

        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "schema.json")));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        var hash = schema.RootElement.GetProperty("hash").GetString()!;
        Assert.Equal(hash, summary.RootElement.GetProperty("schemaHash").GetString());
        var features = schema.RootElement.GetProperty("features").GetArrayLength();
        Assert.Equal(43, features);

        // 2024-10-02 00:00 to 06:00: 360 anchor minutes, all built (history since 2024-10-01 03:00 and since 2017 for 1d).
        var counts = summary.RootElement.GetProperty("counts");
        Assert.Equal(360, counts.GetProperty("built").GetInt64());
        Assert.Equal(0, counts.GetProperty("skippedWarmup").GetInt64() + counts.GetProperty("skippedGap").GetInt64() + counts.GetProperty("skippedStaleReference").GetInt64());
        Assert.Equal(720, counts.GetProperty("maskedOptionalBlocks").GetInt64());

        var frameLength = 2 * 3 * 16 * features;
        var values = ReadNpy(Path.Combine(output, "values.npy"), out var valuesHeader);
        var mask = ReadNpy(Path.Combine(output, "mask.npy"), out var maskHeader);
        var times = ReadNpy(Path.Combine(output, "times.npy"), out var timesHeader);
        Assert.Contains("'descr': '<f4'", valuesHeader, StringComparison.Ordinal);
        Assert.Contains($"'shape': (360, 2, 3, 16, {features})", valuesHeader, StringComparison.Ordinal);
        Assert.Contains("'descr': '|u1'", maskHeader, StringComparison.Ordinal);
        Assert.Contains("'shape': (360,)", timesHeader, StringComparison.Ordinal);
        Assert.Equal(360L * frameLength * 4, values.Length);
        Assert.Equal(360L * frameLength, mask.Length);

        var floats = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(values);
        for (var i = 0; i < floats.Length; i++)
        {
            Assert.True(float.IsFinite(floats[i]));
            Assert.True(mask[i] == 1 || floats[i] == 0f);
        }

        // 1s blocks (timeframe index 0) are fully masked; the first anchor is 2024-10-02 00:00 UTC.
        var block = 16 * features;
        Assert.All(mask.AsSpan(0, block).ToArray(), m => Assert.Equal(0, m));
        Assert.Contains((byte)1, mask.AsSpan(block, block).ToArray());
        Assert.Equal(1727827200000, BitConverter.ToInt64(times, 0));
    }

    private static byte[] ReadNpy(string path, out string header)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", System.Text.Encoding.ASCII.GetString(bytes, 1, 5));
        var length = BitConverter.ToUInt16(bytes, 8);
        header = System.Text.Encoding.ASCII.GetString(bytes, 10, length);
        return bytes[(10 + length)..];
    }
}
