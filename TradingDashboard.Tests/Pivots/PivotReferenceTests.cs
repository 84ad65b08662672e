using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Tests.Indicators;

namespace TradingDashboard.Tests.Pivots;

/// <summary>
/// The incremental detector against a plain batch reference of all five levels on real Binance files: every pivot
/// (level, type, price bits, bar, confirmation time) in the same order, and the per-level state (last pivots, trend,
/// remembered pivots) at several points of the series.
/// </summary>
public class PivotReferenceTests
{
    public static TheoryData<string, string, string, int, int, int> Files => new()
    {
        { "binance/spot/klines/1m/ETHUSDT-1m-2024-05-01_2024-06-04.ohlcv.csv.gz", "ETHUSDT", "1m", 2, 1, 200 },
        { "binance/spot/klines/1m/BTCUSDT-1m-2025-01-01_2025-02-04.ohlcv.csv.gz", "BTCUSDT", "1m", 3, 2, 7 },
        { "binance/spot/klines/1h/ETHUSDT-1h-2026-01-27_2026-07-26.full.csv.gz", "ETHUSDT", "1h", 1, 1, 4 },
        { "binance/spot/klines/1d/BTCUSDT-1d-2017-08-17_2026-07-25.full.csv.gz", "BTCUSDT", "1d", 2, 3, 50 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Detector_matches_the_batch_reference_on_real_data(string file, string symbol, string timeframe, int strength, int higher, int keep)
    {
        var tf = TimeframeExtensions.Parse(timeframe);
        var bars = IndicatorReferenceTests.Load(file, symbol, timeframe);
        var settings = new PivotSettings(Strength: strength, HigherLevelStrength: higher, KeepPerLevel: keep);
        var reference = ReferencePivots(bars, symbol, tf, strength, higher);
        Assert.Contains(reference, p => p.Level == 3); // the file exercises the higher levels

        var detector = new WilliamsPivotDetector(symbol, tf, settings);
        var emitted = new List<PivotPoint>();
        var checkpoints = new HashSet<int> { bars.Length / 7, bars.Length / 3, bars.Length / 2, bars.Length - 1 };
        for (var i = 0; i < bars.Length; i++)
        {
            detector.Update(bars[i], emitted);
            if (checkpoints.Contains(i))
            {
                var closeMs = bars[i].OpenTimeMs + tf.DurationMs() - 1;
                var known = reference.Where(p => p.ConfirmedAtMs <= closeMs).ToList();
                Assert.Equal(known, emitted);
                AssertLevelState(detector, known, keep);
            }
        }

        Assert.Equal(reference, emitted);
    }

    /// <summary>
    /// Batch reference of the documented rules: level 1 from the bars (strictly beyond the bars before, at or beyond
    /// the bars after, confirmed at the close of the last bar after); level k+1 from the level-k highs (resp. lows) in
    /// bar order by the same rule with the higher-level strength, confirmed with the last later level-k pivot. Ordered
    /// as the detector emits: by confirmation time, highs before lows, lower levels first.
    /// </summary>
    private static List<PivotPoint> ReferencePivots(PriceBar[] bars, string symbol, Timeframe tf, int strength, int higher)
    {
        var all = new List<PivotPoint>();
        foreach (var type in new[] { PivotType.High, PivotType.Low })
        {
            var isHigh = type == PivotType.High;
            var level = new List<PivotPoint>();
            for (var i = strength; i + strength < bars.Length; i++)
            {
                var value = isHigh ? bars[i].High : bars[i].Low;
                var ok = true;
                for (var j = 1; j <= strength; j++)
                {
                    var before = isHigh ? bars[i - j].High : bars[i - j].Low;
                    var after = isHigh ? bars[i + j].High : bars[i + j].Low;
                    ok &= isHigh ? value > before && value >= after : value < before && value <= after;
                }

                if (ok)
                {
                    level.Add(new PivotPoint(symbol, tf, 1, type, value, bars[i].OpenTimeMs, bars[i + strength].OpenTimeMs + tf.DurationMs() - 1));
                }
            }

            all.AddRange(level);
            for (var k = 2; k <= PivotSettings.Levels; k++)
            {
                var next = new List<PivotPoint>();
                for (var m = higher; m + higher < level.Count; m++)
                {
                    var ok = true;
                    for (var j = 1; j <= higher; j++)
                    {
                        var p = level[m].Price;
                        ok &= isHigh ? p > level[m - j].Price && p >= level[m + j].Price : p < level[m - j].Price && p <= level[m + j].Price;
                    }

                    if (ok)
                    {
                        next.Add(level[m] with { Level = k, ConfirmedAtMs = level[m + higher].ConfirmedAtMs });
                    }
                }

                all.AddRange(next);
                level = next;
            }
        }

        return all
            .OrderBy(p => p.ConfirmedAtMs)
            .ThenBy(p => p.Type == PivotType.High ? 0 : 1)
            .ThenBy(p => p.Level)
            .ToList();
    }

    private static void AssertLevelState(WilliamsPivotDetector detector, List<PivotPoint> known, int keep)
    {
        for (var k = 1; k <= PivotSettings.Levels; k++)
        {
            var ofLevel = known.Where(p => p.Level == k).ToList();
            Assert.Equal(ofLevel.TakeLast(keep), detector.RecentPivots(k));
            var highs = ofLevel.Where(p => p.Type == PivotType.High).ToList();
            var lows = ofLevel.Where(p => p.Type == PivotType.Low).ToList();
            Assert.Equal(highs.LastOrDefault(), detector.LastHigh(k));
            Assert.Equal(lows.LastOrDefault(), detector.LastLow(k));
            var expectedTrend = highs.Count < 2 || lows.Count < 2
                ? Trend.Unknown
                : highs[^1].Price > highs[^2].Price && lows[^1].Price > lows[^2].Price ? Trend.Up
                : highs[^1].Price < highs[^2].Price && lows[^1].Price < lows[^2].Price ? Trend.Down
                : Trend.Sideways;
            Assert.Equal(expectedTrend, detector.GetTrend(k));
        }
    }
}
