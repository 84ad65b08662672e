using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Tests.Models.Cnn;

/// <summary>Datasets for the CNN tests: synthetic frames with a learnable label, and short slices of the real klines.</summary>
internal static class CnnTestData
{
    public static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];

    private static readonly Lazy<List<OHLCVBar>> RealSlice = new(LoadRealSlice);

    public static FeatureSchema Schema { get; } = new(PivotDatasetBuilder.DefaultFeatures(Symbols));

    /// <summary>
    /// <paramref name="count"/> frames of seeded noise; the 1s block of every frame is zero (masked, like the real data) and
    /// its labels unknown. Labels of 1m/1h/1d depend on the sign of the mean close of the 1m block of the primary symbol
    /// (high when clearly positive, low when clearly negative, else none) unless <paramref name="randomLabels"/>.
    /// </summary>
    public static PivotDataset Synthetic(int count, int seed, bool randomLabels = false)
    {
        var schema = Schema;
        var random = new Random(seed);
        var values = new float[count * schema.Length];
        var labels = new sbyte[count * schema.Timeframes.Count];
        var times = new long[count];
        var close = schema.IndexOfFeature("close");
        for (var i = 0; i < count; i++)
        {
            var frame = values.AsSpan(i * schema.Length, schema.Length);
            var shift = (float)((random.NextDouble() * 2) - 1);
            for (var s = 0; s < schema.Symbols.Count; s++)
            {
                for (var t = 1; t < schema.Timeframes.Count; t++)
                {
                    var block = frame.Slice(schema.BlockOffset(s, t), schema.BlockLength);
                    for (var k = 0; k < block.Length; k++)
                    {
                        block[k] = (float)(random.NextDouble() - 0.5);
                    }

                    if (s == 0 && t == 1)
                    {
                        for (var w = 0; w < schema.WindowLength; w++)
                        {
                            block[(w * schema.FeatureCount) + close] += shift;
                        }
                    }
                }
            }

            var label = randomLabels ? (sbyte)random.Next(3) : shift > 0.3 ? (sbyte)1 : shift < -0.3 ? (sbyte)2 : (sbyte)0;
            labels[i * 4] = -1;
            labels[(i * 4) + 1] = label;
            labels[(i * 4) + 2] = randomLabels ? (sbyte)random.Next(3) : label;
            labels[(i * 4) + 3] = i % 5 == 0 ? (sbyte)-1 : label;
            times[i] = 1_727_827_200_000L + (i * 60_000L);
        }

        return new PivotDataset(schema, PivotLabelSettings.Default, values, labels, times);
    }

    /// <summary>Closed real bars of both symbols: 1m from 2024-10-01 to 2024-10-02 06:00, 1h from 2024-06-01, 1d from 2023-01-01 (all closed by 2024-10-02 06:00).</summary>
    public static IReadOnlyList<OHLCVBar> RealBars => RealSlice.Value;

    public static readonly DateTimeOffset RealFrom = DateTimeOffset.Parse("2024-10-02T00:00:00Z", CultureInfo.InvariantCulture);

    public static readonly DateTimeOffset RealTo = DateTimeOffset.Parse("2024-10-02T06:00:00Z", CultureInfo.InvariantCulture);

    /// <summary>Writes bars as kline CSV files (header + open_time,open,high,low,close,volume) into <paramref name="folder"/>.</summary>
    public static void WriteKlineFolder(string folder, IEnumerable<OHLCVBar> bars)
    {
        Directory.CreateDirectory(folder);
        foreach (var series in bars.GroupBy(b => (b.Symbol, b.Timeframe)))
        {
            var path = Path.Combine(folder, $"{series.Key.Symbol}-{series.Key.Timeframe.ToCode()}-slice.csv");
            using var writer = new StreamWriter(path);
            writer.WriteLine("open_time,open,high,low,close,volume");
            foreach (var b in series.OrderBy(b => b.OpenTimeMs))
            {
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{b.OpenTimeMs},{b.Open:R},{b.High:R},{b.Low:R},{b.Close:R},{b.Volume:R}"));
            }
        }
    }

    private static List<OHLCVBar> LoadRealSlice()
    {
        var to = RealTo.ToUnixTimeMilliseconds();
        var files = new (string File, Timeframe Timeframe, string From)[]
        {
            ("1m/{0}-1m-2024-10-01_2024-11-04.ohlcv.csv.gz", Timeframe.OneMinute, "2024-10-01"),
            ("1h/{0}-1h-2017-08-17_2026-07-26.ohlcv.csv.gz", Timeframe.OneHour, "2024-06-01"),
            ("1d/{0}-1d-2017-08-17_2026-07-25.ohlcv.csv.gz", Timeframe.OneDay, "2023-01-01"),
        };
        var bars = new List<OHLCVBar>();
        foreach (var symbol in Symbols)
        {
            foreach (var (file, timeframe, from) in files)
            {
                var fromMs = DateTimeOffset.Parse(from + "T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
                var path = TestData.File(["binance", "spot", "klines", .. string.Format(CultureInfo.InvariantCulture, file, symbol).Split('/')]);
                bars.AddRange(KlineCsvReader.Read(path, "Replay", symbol, timeframe)
                    .Where(b => b.OpenTimeMs >= fromMs && b.OpenTimeMs + timeframe.DurationMs() <= to));
            }
        }

        return bars;
    }
}
