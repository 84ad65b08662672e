using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Tests.Models.FastTree;

/// <summary>
/// A small synthetic <see cref="PivotDataset"/>: one symbol, timeframes 1m and 1h, window 2, frames one minute apart.
/// The 1m label is a rule on the "close" feature of the last 1m bar (above 0.6 high, below -0.6 low, else none; with some
/// noise), the 1h label a rule on the "rsi" feature of the last 1h bar; every 7th 1m label and the last 1h labels are
/// unknown (-1). Trees can learn the rules, so class order and metrics can be checked against them.
/// </summary>
internal static class SyntheticPivotData
{
    public const long StartMs = 1_727_740_800_000; // 2024-10-01T00:00Z

    public static FeatureSchema Schema { get; } = new(new FeatureSettings
    {
        Symbols = ["ETHUSDT"],
        Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
        OptionalTimeframes = [],
        AnchorTimeframe = Timeframe.OneMinute,
        WindowLength = 2,
    });

    public static int CloseIndex => Schema.IndexOfFeature("close");

    public static int RsiIndex => Schema.IndexOfFeature("rsi");

    /// <summary>The rule behind the 1m labels (before noise).</summary>
    public static PivotClass Rule(float value) => value > 0.6f ? PivotClass.High : value < -0.6f ? PivotClass.Low : PivotClass.None;

    public static PivotDataset Create(int frames, int seed = 5, double noise = 0.05)
    {
        var random = new Random(seed);
        var length = Schema.Length;
        var window = Schema.WindowLength;
        var features = Schema.FeatureCount;
        var values = new float[frames * length];
        var labels = new sbyte[frames * 2];
        var times = new long[frames];
        for (var i = 0; i < frames; i++)
        {
            var frame = values.AsSpan(i * length, length);
            for (var k = 0; k < length; k++)
            {
                frame[k] = (float)((random.NextDouble() * 2) - 1);
            }

            times[i] = StartMs + (i * 60_000L);
            var lastMinute = frame[Schema.BlockOffset(0, 0) + ((window - 1) * features) + CloseIndex];
            var minuteLabel = Rule(lastMinute);
            if (random.NextDouble() < noise)
            {
                minuteLabel = (PivotClass)random.Next(3);
            }

            labels[i * 2] = i % 7 == 3 ? (sbyte)-1 : (sbyte)minuteLabel;
            var lastHour = frame[Schema.BlockOffset(0, 1) + ((window - 1) * features) + RsiIndex];
            labels[(i * 2) + 1] = i >= frames - 10 ? (sbyte)-1 : (sbyte)Rule(lastHour);
        }

        return new PivotDataset(Schema, PivotLabelSettings.Default, values, labels, times);
    }

    /// <summary>FrameSummaryFeatures of one frame, computed here by hand: per block, last bar then window mean.</summary>
    public static float[] Summary(ReadOnlySpan<float> frame)
    {
        var window = Schema.WindowLength;
        var features = Schema.FeatureCount;
        var blocks = Schema.Symbols.Count * Schema.Timeframes.Count;
        var result = new float[2 * blocks * features];
        for (var b = 0; b < blocks; b++)
        {
            for (var f = 0; f < features; f++)
            {
                result[(b * 2 * features) + f] = frame[(b * window * features) + ((window - 1) * features) + f];
                var sum = 0f;
                for (var w = 0; w < window; w++)
                {
                    sum += frame[(b * window * features) + (w * features) + f];
                }

                result[(b * 2 * features) + features + f] = sum * (1f / window);
            }
        }

        return result;
    }
}
