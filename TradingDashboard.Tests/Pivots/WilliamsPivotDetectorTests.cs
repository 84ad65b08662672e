using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Tests.Indicators;

namespace TradingDashboard.Tests.Pivots;

public class WilliamsPivotDetectorTests
{
    private const long Minute = 60_000;
    private static readonly PivotSettings Strength1 = new(Strength: 1, HigherLevelStrength: 1);

    private static PriceBar[] Bars(double[] highs, double[] lows, double[]? volumes = null) =>
        highs.Select((h, i) => new PriceBar(i * Minute, (h + lows[i]) / 2, h, lows[i], (h + lows[i]) / 2, volumes?[i] ?? 1)).ToArray();

    private static List<PivotPoint> Run(PriceBar[] bars, PivotSettings settings, WilliamsPivotDetector? detector = null)
    {
        detector ??= new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute, settings);
        var pivots = new List<PivotPoint>();
        foreach (var bar in bars)
        {
            detector.Update(bar, pivots);
        }

        return pivots;
    }

    /// <summary>Number of times 2 divides i: 0,1,0,2,0,1,0,3,... (a ruler), which nests swing highs five levels deep.</summary>
    private static int Ruler(int i)
    {
        var r = 0;
        while (i % 2 == 0)
        {
            i /= 2;
            r++;
        }

        return r;
    }

    /// <summary>
    /// Bars: trough, peak 1, trough, peak 2, ..., peak 32, trough. Peak i (bar 2i-1) has high 10 + ruler(i); troughs have high 9.
    /// Every trough has low 5 (equal lows) and every peak low 8.
    /// </summary>
    private static PriceBar[] RulerSeries()
    {
        var highs = new List<double> { 9 };
        var lows = new List<double> { 5 };
        for (var i = 1; i <= 32; i++)
        {
            highs.Add(10 + Ruler(i));
            lows.Add(8);
            highs.Add(9);
            lows.Add(5);
        }

        return Bars([.. highs], [.. lows]);
    }

    [Fact]
    public void Nested_swings_give_known_pivots_on_all_five_levels()
    {
        var pivots = Run(RulerSeries(), Strength1);
        var highs = pivots.Where(p => p.Type == PivotType.High).ToList();

        // Peak i is bar 2i-1. Level 1: every peak. Level 2: even peaks except 32 (no later level-1 high to confirm it).
        // Level 3: peaks 4, 8, ..., 28. Level 4: 8, 16, 24. Level 5: 16. (Worked out by hand from the ruler values.)
        int[] PeaksAt(int level) => highs.Where(p => p.Level == level).Select(p => (int)((p.OpenTimeMs / Minute) + 1) / 2).ToArray();
        Assert.Equal(Enumerable.Range(1, 32), PeaksAt(1));
        Assert.Equal(Enumerable.Range(1, 15).Select(k => 2 * k), PeaksAt(2));
        Assert.Equal([4, 8, 12, 16, 20, 24, 28], PeaksAt(3));
        Assert.Equal([8, 16, 24], PeaksAt(4));
        Assert.Equal([16], PeaksAt(5));

        var top = Assert.Single(highs, p => p.Level == 5);
        Assert.Equal(14, top.Price);
        Assert.Equal(31 * Minute, top.OpenTimeMs);

        // Confirmed by level-4 peak 24 <- level-3 peak 28 <- level-2 peak 30 <- level-1 peak 31, whose trough is bar 62.
        Assert.Equal((62 * Minute) + Minute - 1, top.ConfirmedAtMs);
        Assert.Equal(1.0, top.Confidence);
        Assert.Equal((46 * Minute) + Minute - 1, highs.Single(p => p.Level == 4 && p.OpenTimeMs == 31 * Minute).ConfirmedAtMs);
    }

    [Fact]
    public void Equal_lows_make_level_one_pivots_but_never_a_higher_level()
    {
        var lows = Run(RulerSeries(), Strength1).Where(p => p.Type == PivotType.Low).ToList();

        // Troughs at bars 2, 4, ..., 62 (bar 0 has no bar before it, bar 64 none after), all at 5.
        Assert.Equal(Enumerable.Range(1, 31).Select(k => 2L * k * Minute), lows.Select(p => p.OpenTimeMs));
        Assert.All(lows, p => Assert.Equal(1, p.Level));
        Assert.All(lows, p => Assert.Equal(5, p.Price));
    }

    [Fact]
    public void A_run_of_equal_highs_gives_one_pivot_at_its_first_bar()
    {
        var highs = new double[] { 1, 3, 3, 3, 1, 2, 1, 3, 2, 3, 1 };
        var all = Run(Bars(highs, highs.Select(h => h - 0.5).ToArray()), Strength1);
        var pivots = all.Where(p => p.Type == PivotType.High && p.Level == 1).ToList();

        // Bars 1-3 are an equal run: bar 1 only. Bar 5 (2 between 1s). Bars 7 and 9 are equal highs with a lower bar between: both.
        Assert.Equal([1, 5, 7, 9], pivots.Select(p => (int)(p.OpenTimeMs / Minute)));

        // Level 2 from the level-1 highs 3, 2, 3, 3: bar 7 (above bar 5's 2, equal to bar 9's 3), not bar 9 (not above bar 7).
        Assert.Equal([7], all.Where(p => p.Level == 2 && p.Type == PivotType.High).Select(p => (int)(p.OpenTimeMs / Minute)));
    }

    [Fact]
    public void Strength_counts_bars_on_each_side()
    {
        // Bar 3 (7) is above the 2 bars on each side; so is bar 6 (6 > 4, 5 and 6 >= 2, 1). Bar 5 (5) is below bar 6.
        var highs = new double[] { 1, 2, 3, 7, 4, 5, 6, 2, 1 };
        var pivots = Run(Bars(highs, highs.Select(h => h - 0.5).ToArray()), new PivotSettings(Strength: 2)).Where(p => p.Type == PivotType.High).ToList();
        Assert.Equal([3, 6], pivots.Select(p => (int)(p.OpenTimeMs / Minute)));
        Assert.Equal(highs[3], pivots[0].Price);

        // Confirmed when bar 5 (resp. 8) closes.
        Assert.Equal((5 * Minute) + Minute - 1, pivots[0].ConfirmedAtMs);
        Assert.Equal((8 * Minute) + Minute - 1, pivots[1].ConfirmedAtMs);
    }

    [Fact]
    public void Highs_and_lows_need_not_alternate_and_one_bar_can_be_both()
    {
        // Bar 2 is an outside bar: highest high and lowest low of its neighbourhood.
        double[] highs = [5, 6, 9, 6, 5, 7, 6, 8, 6];
        double[] lows = [4, 4, 1, 4, 4, 5, 5, 5, 5];
        var pivots = Run(Bars(highs, lows), Strength1);
        Assert.Contains(pivots, p => p.Type == PivotType.High && p.OpenTimeMs == 2 * Minute);
        Assert.Contains(pivots, p => p.Type == PivotType.Low && p.OpenTimeMs == 2 * Minute);

        // Highs at bars 5 and 7 follow each other with no level-1 low between them.
        var level1 = pivots.Where(p => p.Level == 1).OrderBy(p => p.OpenTimeMs).Select(p => (p.OpenTimeMs / Minute, p.Type)).ToList();
        Assert.Equal([(2, PivotType.High), (2, PivotType.Low), (5, PivotType.High), (7, PivotType.High)], level1);
    }

    [Fact]
    public void Trend_support_resistance_and_bounds_per_level()
    {
        // Rising zigzag: level-1 highs 10, 12, 14 and lows 8, 9, 11.
        double[] highs = [9, 10, 8.5, 12, 10, 14, 12, 13];
        double[] lows = [8.5, 9, 8, 10, 9, 12, 11, 12];
        double[] volumes = [1, 2, 3, 4, 9, 5, 6, 7];
        var detector = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute, Strength1);
        var pivots = Run(Bars(highs, lows, volumes), Strength1, detector);
        Assert.Equal([10, 12, 14], pivots.Where(p => p.Type == PivotType.High).Select(p => p.Price));
        Assert.Equal([8, 9, 11], pivots.Where(p => p.Type == PivotType.Low).Select(p => p.Price));

        Assert.Equal(Trend.Up, detector.GetTrend(1));
        Assert.Equal(Trend.Unknown, detector.GetTrend(2));

        // Last close (12.5): support 12 (a high at 12), resistance 14.
        var (support, resistance) = detector.NearestLevels(1, 12.5);
        Assert.Equal(12, support);
        Assert.Equal(14, resistance);
        Assert.Equal((8.0, 9.0), detector.NearestLevels(1, 8.5));
        Assert.Equal((14.0, (double?)null), detector.NearestLevels(1, 20));

        // Bounds: last high 14 (bar 5) and last low 11 (bar 6); volume max over bars 5..7 = 7.
        var bounds = detector.GetLevelBounds(1)!;
        Assert.Equal(11, bounds.PriceLow);
        Assert.Equal(14, bounds.PriceHigh);
        Assert.Equal(7, bounds.VolumeMax);
        Assert.Equal(5 * Minute, bounds.SinceOpenTimeMs);
        Assert.Equal(0.5, bounds.NormalizePrice(12.5));
        Assert.Null(detector.GetLevelBounds(2));

        var summary = detector.Summarize()[0];
        Assert.Equal(Trend.Up, summary.Trend);
        Assert.Equal(14, summary.LastHigh!.Price);
        Assert.Equal(11, summary.LastLow!.Price);
    }

    [Fact]
    public void Falling_structure_is_a_down_trend_and_mixed_is_sideways()
    {
        double[] highs = [14, 15, 13, 14, 12, 13, 11, 12];
        double[] lows = [13, 14, 12, 13, 11, 12, 10, 11];
        var down = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute, Strength1);
        Run(Bars(highs, lows), Strength1, down);
        Assert.Equal(Trend.Down, down.GetTrend(1));

        // Higher highs but lower lows (a widening range).
        double[] h2 = [10, 11, 9, 12, 8, 13, 9];
        double[] l2 = [9, 10, 5, 11, 4, 12, 8];
        var mixed = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute, Strength1);
        Run(Bars(h2, l2), Strength1, mixed);
        Assert.Equal(Trend.Sideways, mixed.GetTrend(1));
    }

    [Fact]
    public void Bars_out_of_order_are_refused()
    {
        var detector = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute);
        detector.Update(new PriceBar(Minute, 1, 1, 1, 1, 1));
        Assert.Throws<ArgumentException>(() => detector.Update(new PriceBar(Minute, 1, 1, 1, 1, 1)));
    }

    public static TheoryData<string, string, string, int> PrefixFiles => new()
    {
        { "binance/spot/klines/1h/ETHUSDT-1h-2026-01-27_2026-07-26.full.csv.gz", "ETHUSDT", "1h", 2 },
        { "binance/spot/klines/1m/BTCUSDT-1m-2025-10-29_2025-11-01.full.csv.gz", "BTCUSDT", "1m", 1 },
        { "binance/spot/klines/1d/BTCUSDT-1d-2017-08-17_2026-07-25.full.csv.gz", "BTCUSDT", "1d", 3 },
    };

    [Theory]
    [MemberData(nameof(PrefixFiles))]
    public void Any_prefix_gives_exactly_the_full_runs_pivots_confirmed_within_it(string file, string symbol, string timeframe, int strength)
    {
        var tf = TimeframeExtensions.Parse(timeframe);
        var bars = IndicatorReferenceTests.Load(file, symbol, timeframe);
        var settings = new PivotSettings(Strength: strength);
        var full = Run(bars, settings, new WilliamsPivotDetector(symbol, tf, settings));
        Assert.Contains(full, p => p.Level == 5);

        var random = new Random(20241001);
        var lengths = new[] { 1, 2 * strength, (2 * strength) + 1, bars.Length - 1 }.Concat(Enumerable.Range(0, 12).Select(_ => random.Next(1, bars.Length)));
        foreach (var length in lengths)
        {
            var prefix = Run(bars[..length], settings, new WilliamsPivotDetector(symbol, tf, settings));
            var lastClose = bars[length - 1].OpenTimeMs + tf.DurationMs() - 1;
            var expected = full.Where(p => p.ConfirmedAtMs <= lastClose).ToList();
            Assert.Equal(expected, prefix);
        }
    }

    [Theory]
    [MemberData(nameof(PrefixFiles))]
    public void Pivots_are_real_swings_of_their_level(string file, string symbol, string timeframe, int strength)
    {
        // Independent check of level 1 by brute force over the whole file, and of the known-before-confirmed rule.
        var tf = TimeframeExtensions.Parse(timeframe);
        var bars = IndicatorReferenceTests.Load(file, symbol, timeframe);
        var pivots = Run(bars, new PivotSettings(Strength: strength), new WilliamsPivotDetector(symbol, tf, new PivotSettings(Strength: strength)));
        var expectedHighs = new List<long>();
        for (var i = strength; i + strength < bars.Length; i++)
        {
            var ok = true;
            for (var j = 1; j <= strength; j++)
            {
                ok &= bars[i].High > bars[i - j].High && bars[i].High >= bars[i + j].High;
            }

            if (ok)
            {
                expectedHighs.Add(bars[i].OpenTimeMs);
            }
        }

        Assert.Equal(expectedHighs, pivots.Where(p => p.Level == 1 && p.Type == PivotType.High).Select(p => p.OpenTimeMs));
        Assert.All(pivots, p => Assert.True(p.ConfirmedAtMs >= p.OpenTimeMs + (strength * tf.DurationMs()), "confirmed before its right-hand bars closed"));

        // Each higher-level pivot is also a pivot of every level below it.
        var keys = pivots.Select(p => (p.Level, p.Type, p.OpenTimeMs)).ToHashSet();
        Assert.All(pivots.Where(p => p.Level > 1), p => Assert.Contains((p.Level - 1, p.Type, p.OpenTimeMs), keys));
    }
}
