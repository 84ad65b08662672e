using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Indicators;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Features;
using TradingDashboard.Tests.Support;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Tests.Models;

public sealed class PivotDatasetBuilderTests
{
    private static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];
    private static readonly PivotLabelSettings Labels = new(PivotLevel: 2, HorizonBars: 5, ConfirmationMarginBars: 20);

    private static FeatureSettings Features() => new()
    {
        Symbols = Symbols,
        Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
        OptionalTimeframes = [],
        AnchorTimeframe = Timeframe.OneMinute,
        WindowLength = 8,
        NormalizationLevel = 1,
    };

    private static List<OHLCVBar> Market(int minutes)
    {
        var eth = SyntheticMarket.Minutes("ETHUSDT", minutes, 2500, 11);
        var btc = SyntheticMarket.Minutes("BTCUSDT", minutes, 60000, 12);
        return [.. eth, .. btc, .. SyntheticMarket.Hours(eth), .. SyntheticMarket.Hours(btc)];
    }

    /// <summary>Reference: level-L pivots of one series from a detector of its own, and labels found by a linear scan.</summary>
    private static sbyte ReferenceLabel(long asOfMs, Timeframe timeframe, List<OHLCVBar> series, List<PivotPoint> pivots)
    {
        var duration = timeframe.DurationMs();
        var start = ((asOfMs + duration - 1) / duration) * duration;
        var end = start + (Labels.HorizonBars * duration);
        var needUntil = end + (Labels.ConfirmationMarginBars * duration);
        var present = series.Select(b => b.OpenTimeMs).ToHashSet();
        for (var t = start; t < needUntil; t += duration)
        {
            if (!present.Contains(t))
            {
                return -1;
            }
        }

        var inHorizon = pivots.Where(p => p.OpenTimeMs >= start && p.OpenTimeMs < end).ToList();
        if (inHorizon.Count == 0)
        {
            return 0;
        }

        var first = inHorizon.Min(p => p.OpenTimeMs);
        return inHorizon.Any(p => p.OpenTimeMs == first && p.Type == PivotType.High) ? (sbyte)1 : (sbyte)2;
    }

    private static List<PivotPoint> ReferencePivots(List<OHLCVBar> series, int level)
    {
        var detector = new WilliamsPivotDetector(series[0].Symbol, series[0].Timeframe, PivotSettings.Default);
        var confirmed = new List<PivotPoint>();
        foreach (var bar in series)
        {
            detector.Update(PriceBar.From(bar), confirmed);
        }

        return confirmed.Where(p => p.Level == level).ToList();
    }

    [Fact]
    public void Labels_match_a_reference_scan_over_independently_detected_pivots()
    {
        var bars = Market(3 * 24 * 60);
        var dataset = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels);
        Assert.True(dataset.Count > 2000, $"only {dataset.Count} frames");

        foreach (var (timeframe, t) in new[] { (Timeframe.OneMinute, 0), (Timeframe.OneHour, 1) })
        {
            var series = bars.Where(b => b.Symbol == "ETHUSDT" && b.Timeframe == timeframe).OrderBy(b => b.OpenTimeMs).ToList();
            var pivots = ReferencePivots(series, Labels.PivotLevel);
            var counts = new int[4];
            for (var i = 0; i < dataset.Count; i++)
            {
                var expected = ReferenceLabel(dataset.AsOfMs(i), timeframe, series, pivots);
                Assert.Equal(expected, dataset.Label(i, t));
                counts[expected + 1]++;
            }

            // The synthetic market has all three classes and unknown labels at its end.
            Assert.All(counts, c => Assert.True(c > 0, $"{timeframe}: class counts {string.Join(",", counts)}"));
        }
    }

    [Fact]
    public void A_frame_depends_only_on_bars_closed_by_its_time()
    {
        var bars = Market(2 * 24 * 60);
        var dataset = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels);
        var index = dataset.Count / 2;
        var asOf = dataset.AsOfMs(index);

        // Rebuild from only the bars closed by the frame's time: its last frame must be identical.
        var truncated = PivotDatasetBuilder.BuildFromBars(bars.Where(b => b.OpenTimeMs + b.Timeframe.DurationMs() <= asOf), Features(), Labels);
        Assert.Equal(dataset.AnchorOpenTimeMs(index), truncated.AnchorOpenTimeMs(truncated.Count - 1));
        Assert.True(dataset.Frame(index).SequenceEqual(truncated.Frame(truncated.Count - 1)));

        // Changing every bar after the frame's time changes labels but not the frame.
        var changed = bars.Select(b => b.OpenTimeMs >= asOf ? b with { High = b.High * 1.01, Close = b.Close * 1.005 } : b).ToList();
        var other = PivotDatasetBuilder.BuildFromBars(changed, Features(), Labels);
        Assert.True(dataset.Frame(index).SequenceEqual(other.Frame(index)));
    }

    [Fact]
    public void Stride_max_frames_and_from_limit_the_frames_kept()
    {
        var bars = Market(24 * 60);
        var all = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels);
        var strided = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels, stride: 7);
        Assert.Equal((all.Count + 6) / 7, strided.Count);
        Assert.Equal(all.AnchorOpenTimeMs(7), strided.AnchorOpenTimeMs(1));

        var capped = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels, maxFrames: 50);
        Assert.Equal(50, capped.Count);

        var from = all.AnchorOpenTimeMs(100);
        var later = PivotDatasetBuilder.BuildFromBars(bars, Features(), Labels, fromMs: from);
        Assert.Equal(from, later.AnchorOpenTimeMs(0));
        Assert.Equal(all.Count - 100, later.Count);
        Assert.True(all.Frame(100).SequenceEqual(later.Frame(0)), "history before --from is warm-up context, so the first frame is the same");
    }

    [Fact]
    public void Chronological_split_keeps_time_order_and_gaps()
    {
        var dataset = PivotDatasetBuilder.BuildFromBars(Market(24 * 60), Features(), Labels);
        var (train, validation, test) = dataset.SplitChronological(0.6, 0.2, gapFrames: 5);
        Assert.Equal((int)(dataset.Count * 0.6) - 5, train.Count);
        Assert.True(train.AnchorOpenTimeMs(train.Count - 1) < validation.AnchorOpenTimeMs(0));
        Assert.True(validation.AnchorOpenTimeMs(validation.Count - 1) < test.AnchorOpenTimeMs(0));
        Assert.Equal(dataset.AnchorOpenTimeMs(dataset.Count - 1), test.AnchorOpenTimeMs(test.Count - 1));
        Assert.Equal(dataset.Label(dataset.Count - 1, 0), test.Label(test.Count - 1, 0));
        Assert.NotEqual(train.Sha256(), validation.Sha256());
        Assert.Equal(dataset.Sha256(), dataset.Slice(0, dataset.Count).Sha256());
    }

    [Fact]
    public void Default_features_give_the_running_hosts_schema_hash()
    {
        var host = DataProcessorSettings.From(new TradingOptions(), new DataProcessorOptions()).Features!;
        var trainer = PivotDatasetBuilder.DefaultFeatures(host.Symbols);
        Assert.Equal(new FeatureSchema(host).Hash, new FeatureSchema(trainer).Hash);
        Assert.Equal(["ETHUSDT", "BTCUSDT"], host.Symbols);
    }

    [Fact]
    public void Real_history_gives_all_classes_on_1m_and_unknown_1s_labels()
    {
        var root = TestData.Directory;
        Assert.NotNull(root);
        var dataset = PivotDatasetBuilder.Build(new PivotDatasetRequest
        {
            DataDirectory = Path.Combine(root, "binance", "spot", "klines"),
            From = DateTimeOffset.Parse("2024-10-03T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            To = DateTimeOffset.Parse("2024-10-04T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            Stride = 5,
        });

        Assert.InRange(dataset.Count, 250, 290);
        Assert.Equal(DateTimeOffset.Parse("2024-10-03T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), dataset.AnchorOpenTimeMs(0));
        Assert.Contains(dataset.Info.Notes, n => n.Contains("no 1s history", StringComparison.Ordinal));
        var oneSecond = dataset.LabelsFor(0);
        Assert.All(oneSecond, l => Assert.Equal(PivotLabeler.Unknown, l));
        var oneMinute = dataset.LabelsFor(1);
        Assert.Contains((sbyte)0, oneMinute);
        Assert.Contains((sbyte)1, oneMinute);
        Assert.Contains((sbyte)2, oneMinute);

        // Labels never read past --to: the last frames of the range have no room for horizon and margin.
        Assert.Equal(PivotLabeler.Unknown, oneMinute[^1]);
    }
}
