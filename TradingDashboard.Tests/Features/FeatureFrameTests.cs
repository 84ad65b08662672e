using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Tests.Features;

public class FeatureFrameTests
{
    private const int Window = 8;
    private static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];

    private static FeatureSettings Settings(int window = Window, int level = 1) => new()
    {
        Symbols = Symbols,
        Timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour],
        OptionalTimeframes = [Timeframe.OneSecond],
        AnchorTimeframe = Timeframe.OneMinute,
        WindowLength = window,
        NormalizationLevel = level,
    };

    private static DataProcessor Processor(FeatureSettings? features = null)
    {
        features ??= Settings();
        return new DataProcessor(new DataProcessorSettings
        {
            Symbols = Symbols,
            Timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour],
            Features = features,
            Pivots = features.Pivots,
            HistoryBars = 0,
        });
    }

    private static (List<OHLCVBar> Eth, List<OHLCVBar> Btc) Market(int minutes = 24 * 60) =>
        (SyntheticMarket.Minutes("ETHUSDT", minutes, 2500, 1), SyntheticMarket.Minutes("BTCUSDT", minutes, 60000, 2));

    private static List<FrameOutcome> Feed(DataProcessor processor, IEnumerable<OHLCVBar> bars)
    {
        var output = new ProcessorOutput();
        var outcomes = new List<FrameOutcome>();
        foreach (var bar in bars)
        {
            output.Clear();
            processor.Process(bar, output);
            outcomes.AddRange(output.Frames);
        }

        output.Clear();
        processor.Flush(output);
        outcomes.AddRange(output.Frames);
        return outcomes;
    }

    private static List<OHLCVBar> All(List<OHLCVBar> eth, List<OHLCVBar> btc, List<OHLCVBar>? ethFull = null, List<OHLCVBar>? btcFull = null) =>
        SyntheticMarket.InCloseOrder(eth.Concat(btc).Concat(SyntheticMarket.Hours(ethFull ?? eth)).Concat(SyntheticMarket.Hours(btcFull ?? btc)), Symbols);

    [Fact]
    public void Frames_never_hold_nan_or_infinity_and_masked_values_are_zero()
    {
        var (eth, btc) = Market();
        var processor = Processor();
        var outcomes = Feed(processor, All(eth, btc));
        var frames = outcomes.Where(o => o.Frame is not null).Select(o => o.Frame!).ToList();
        Assert.True(frames.Count > 300, $"only {frames.Count} frames");
        var schema = processor.Schema!;
        foreach (var frame in frames)
        {
            Assert.Equal(schema.Length, frame.Values.Length);
            Assert.Equal(schema.Hash, frame.SchemaHash);
            for (var i = 0; i < frame.Values.Length; i++)
            {
                Assert.True(float.IsFinite(frame.Values[i]));
                Assert.True(Math.Abs(frame.Values[i]) <= schema.Settings.ClipValue);
                if (frame.Mask[i] == 0)
                {
                    Assert.Equal(0f, frame.Values[i]);
                }
            }
        }
    }

    [Fact]
    public void Absent_1s_history_is_masked_not_skipped_and_counted()
    {
        var (eth, btc) = Market();
        var processor = Processor();
        var frames = Feed(processor, All(eth, btc)).Where(o => o.Frame is not null).Select(o => o.Frame!).ToList();
        var schema = processor.Schema!;
        foreach (var frame in frames)
        {
            Assert.Equal([false, true, true, false, true, true], frame.BlockPresent);
            for (var s = 0; s < 2; s++)
            {
                var offset = schema.BlockOffset(s, 0);
                Assert.All(frame.Mask.AsSpan(offset, schema.BlockLength).ToArray(), m => Assert.Equal(0, m));
                Assert.Contains((byte)1, frame.Mask.AsSpan(schema.BlockOffset(s, 1), schema.BlockLength).ToArray());
            }
        }

        Assert.Equal(2L * frames.Count, processor.FrameCounts.MaskedOptionalBlocks);
    }

    [Fact]
    public void Every_anchor_bar_is_either_built_or_skipped_with_a_reason()
    {
        var (eth, btc) = Market();
        var processor = Processor();
        var outcomes = Feed(processor, All(eth, btc));
        Assert.Equal(eth.Select(b => b.OpenTimeMs), outcomes.Select(o => o.AnchorOpenTimeMs));
        var counts = processor.FrameCounts;
        Assert.Equal(eth.Count, counts.Built + counts.Skipped);

        // Without a gap, everything skipped is warm-up. The 1h block needs Window closed hours: the first anchor with them is
        // minute Window·60 − 1 (it closes at 08:00), so at least the Window·60 − 1 anchors before it are warm-up.
        Assert.Equal(0, counts.SkippedGap);
        Assert.Equal(0, counts.SkippedStaleReference);
        Assert.True(counts.SkippedWarmup >= (Window * 60) - 1);
        Assert.All(outcomes.Take((Window * 60) - 1), o => Assert.Equal(FrameSkipReason.Warmup, o.Skipped));
    }

    [Fact]
    public void A_missing_primary_bar_skips_the_frames_whose_window_holds_the_hole()
    {
        var (ethFull, btc) = Market();
        const int hole = 20 * 60;
        var eth = ethFull.Where((_, i) => i != hole).ToList();
        var processor = Processor();
        var outcomes = Feed(processor, All(eth, btc, ethFull, btc)).ToDictionary(o => o.AnchorOpenTimeMs);
        var built = outcomes.Values.Count(o => o.Frame is not null);
        Assert.True(built > 100);

        // Anchors hole+1 .. hole+Window-1 have the hole inside their 1m window.
        for (var i = hole - 5; i < hole + Window + 5; i++)
        {
            var anchor = ethFull[i].OpenTimeMs;
            if (i == hole)
            {
                Assert.False(outcomes.ContainsKey(anchor));
            }
            else if (i > hole && i < hole + Window)
            {
                Assert.Equal(FrameSkipReason.Gap, outcomes[anchor].Skipped);
            }
            else
            {
                Assert.NotNull(outcomes[anchor].Frame);
            }
        }

        Assert.Equal(Window - 1, processor.FrameCounts.SkippedGap);
    }

    [Fact]
    public void A_missing_reference_bar_is_a_stale_reference_then_a_gap_in_its_window()
    {
        var (eth, btcFull) = Market();
        const int missing = 20 * 60;
        var btc = btcFull.Where((_, i) => i != missing).ToList();
        var processor = Processor();
        var outcomes = Feed(processor, All(eth, btc, eth, btcFull)).ToDictionary(o => o.AnchorOpenTimeMs);
        Assert.Equal(FrameSkipReason.StaleReference, outcomes[eth[missing].OpenTimeMs].Skipped);
        for (var i = missing + 1; i < missing + Window; i++)
        {
            Assert.Equal(FrameSkipReason.Gap, outcomes[eth[i].OpenTimeMs].Skipped);
        }

        Assert.NotNull(outcomes[eth[missing + Window].OpenTimeMs].Frame);
        Assert.NotNull(outcomes[eth[missing - 1].OpenTimeMs].Frame);
        Assert.Equal(1, processor.FrameCounts.SkippedStaleReference);
        Assert.Equal(Window - 1, processor.FrameCounts.SkippedGap);
    }

    [Fact]
    public void A_primary_that_stops_does_not_hold_its_last_frame_back_until_the_rings_overwrite_it()
    {
        var (ethFull, btc) = Market(12 * 60);
        const int last = 600;
        var eth = ethFull.Take(last + 1).ToList(); // the primary stops after minute 600; the reference goes on
        var processor = Processor();
        var output = new ProcessorOutput();
        var outcomes = new List<FrameOutcome>();
        foreach (var bar in All(eth, btc, ethFull, btc))
        {
            output.Clear();
            processor.Process(bar, output);
            outcomes.AddRange(output.Frames);
        }

        // Built as soon as the reference's bar two minutes later arrived, not skipped, and nothing waits any more.
        Assert.NotNull(Assert.Single(outcomes, o => o.AnchorOpenTimeMs == eth[last].OpenTimeMs).Frame);
        Assert.Null(processor.Frames!.PendingAnchorOpenTimeMs);
    }

    [Fact]
    public void Frames_do_not_depend_on_arrival_order_or_on_when_they_are_built()
    {
        var (eth, btc) = Market(12 * 60);
        var ordered = All(eth, btc);

        // Reference bars arrive late (after the primary's next bar) instead of together with the primary's.
        var late = ordered.OrderBy(b => b.CloseTimeMs + (b.Symbol == "BTCUSDT" && b.Timeframe == Timeframe.OneMinute ? 30_000 : 0)).ThenBy(b => b.Timeframe).ToList();
        var a = Feed(Processor(), ordered).Where(o => o.Frame is not null).ToDictionary(o => o.AnchorOpenTimeMs, o => o.Frame!);
        var b = Feed(Processor(), late).Where(o => o.Frame is not null).ToDictionary(o => o.AnchorOpenTimeMs, o => o.Frame!);
        Assert.True(a.Count > 100);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (anchor, frame) in a)
        {
            Assert.Equal(frame.Values, b[anchor].Values);
            Assert.Equal(frame.Mask, b[anchor].Mask);
        }

        // A frame built later, after more bars arrived, is the same as one built at its time: nothing after T leaks in.
        var processor = Processor();
        var output = new ProcessorOutput();
        var target = eth[500].OpenTimeMs;
        foreach (var bar in ordered.Where(x => x.CloseTimeMs < target + 60_000 + (5 * 60_000)))
        {
            output.Clear();
            processor.Process(bar, output);
        }

        var schema = processor.Schema!;
        var values = new float[schema.Length];
        var mask = new byte[schema.Length];
        Assert.Null(processor.Frames!.BuildInto(target, values, mask, new bool[6], out _));
        Assert.Equal(a[target].Values, values);
        Assert.Equal(a[target].Mask, mask);
    }

    [Fact]
    public void Values_are_the_documented_normalizations()
    {
        var (eth, btc) = Market(12 * 60);
        var processor = Processor();
        var frames = Feed(processor, All(eth, btc)).Where(o => o.Frame is not null).ToDictionary(o => o.AnchorOpenTimeMs, o => o.Frame!);
        var schema = processor.Schema!;
        const int anchorIndex = 600;
        var frame = frames[eth[anchorIndex].OpenTimeMs];

        // Independent computation for the primary's 1m block: pivots and indicators over the bars up to the anchor.
        var detector = new WilliamsPivotDetector("ETHUSDT", Timeframe.OneMinute, schema.Settings.Pivots);
        var indicators = new IndicatorSet(IndicatorSpec.Defaults);
        var rows = new List<double[]>();
        foreach (var bar in eth.Take(anchorIndex + 1))
        {
            detector.Update(PriceBar.From(bar));
            var row = new double[indicators.ColumnCount];
            indicators.Update(PriceBar.From(bar), row);
            rows.Add(row);
        }

        var bounds = detector.GetLevelBounds(1)!;
        var range = bounds.PriceHigh - bounds.PriceLow;
        var block = schema.BlockOffset(0, 1);
        var f = schema.FeatureCount;
        float At(int bar, string feature) => frame.Values[block + (bar * f) + schema.IndexOfFeature(feature)];

        for (var bar = 0; bar < Window; bar++)
        {
            var source = eth[anchorIndex - Window + 1 + bar];
            var row = rows[anchorIndex - Window + 1 + bar];
            Assert.Equal((float)((source.Close - bounds.PriceLow) / range), At(bar, "close"), 5);
            Assert.Equal((float)(source.Volume / bounds.VolumeMax), At(bar, "volume"), 5);
            Assert.Equal((float)(row[indicators.IndexOf("rsi_14")] / 100), At(bar, "rsi_14"), 5);
            Assert.Equal((float)(row[indicators.IndexOf("atr_14")] / range), At(bar, "atr_14"), 5);
            Assert.Equal((float)((row[indicators.IndexOf("sma_20")] - bounds.PriceLow) / range), At(bar, "sma_20"), 5);
            var obvNow = rows[anchorIndex][indicators.IndexOf("obv")];
            Assert.Equal((float)((row[indicators.IndexOf("obv")] - obvNow) / (bounds.VolumeMax * Window)), At(bar, "obv"), 5);
        }

        var lastHigh = detector.LastHigh(1)!.Price;
        Assert.Equal((float)((eth[anchorIndex].Close - lastHigh) / range), At(Window - 1, "pivot_high_distance_l1"), 5);
        var trend = detector.GetTrend(1);
        Assert.Equal(trend == Trend.Up ? 1f : trend == Trend.Down ? -1f : 0f, At(Window - 1, "trend_l1"));
    }
}
