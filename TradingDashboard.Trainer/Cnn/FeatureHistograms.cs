using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>Histograms of every input feature per timeframe over a set of training frames (the Training page's "bad data" view).</summary>
public static class FeatureHistograms
{
    /// <summary>
    /// One histogram per (feature, timeframe), pooled over symbols and over every bar of the windows of (at most
    /// <paramref name="maxFrames"/>, evenly spaced) frames. Masking: the dataset holds values only, and a masked value is 0.
    /// A bar row whose features are all exactly 0 is a masked row (a masked block such as 1s, or a missing bar) and is
    /// left out of every histogram of that timeframe; <see cref="FeatureHistogram.MaskedFraction"/> is the share of such
    /// rows. Inside a live row a single 0 is kept: it cannot be told apart from a real 0 (a sideways trend) without the mask.
    /// </summary>
    public static IReadOnlyList<FeatureHistogram> Compute(PivotDataset dataset, int bins = 20, int maxFrames = 2000)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFrames, 1);
        var schema = dataset.Schema;
        int symbols = schema.Symbols.Count, timeframes = schema.Timeframes.Count, window = schema.WindowLength, features = schema.FeatureCount;
        var frames = Sample(dataset.Count, maxFrames);

        var min = new double[timeframes, features];
        var max = new double[timeframes, features];
        var rows = new long[timeframes];
        var masked = new long[timeframes];
        for (var t = 0; t < timeframes; t++)
        {
            for (var f = 0; f < features; f++)
            {
                min[t, f] = double.PositiveInfinity;
                max[t, f] = double.NegativeInfinity;
            }
        }

        // Pass 1: ranges and masked rows.
        foreach (var i in frames)
        {
            var frame = dataset.Frame(i);
            for (var s = 0; s < symbols; s++)
            {
                for (var t = 0; t < timeframes; t++)
                {
                    var block = frame.Slice(schema.BlockOffset(s, t), schema.BlockLength);
                    for (var w = 0; w < window; w++)
                    {
                        var row = block.Slice(w * features, features);
                        rows[t]++;
                        if (!row.ContainsAnyExcept(0f))
                        {
                            masked[t]++;
                            continue;
                        }

                        for (var f = 0; f < features; f++)
                        {
                            min[t, f] = Math.Min(min[t, f], row[f]);
                            max[t, f] = Math.Max(max[t, f], row[f]);
                        }
                    }
                }
            }
        }

        // Pass 2: counts (the top edge falls in the last bin).
        var counts = new long[timeframes, features, bins];
        foreach (var i in frames)
        {
            var frame = dataset.Frame(i);
            for (var s = 0; s < symbols; s++)
            {
                for (var t = 0; t < timeframes; t++)
                {
                    var block = frame.Slice(schema.BlockOffset(s, t), schema.BlockLength);
                    for (var w = 0; w < window; w++)
                    {
                        var row = block.Slice(w * features, features);
                        if (!row.ContainsAnyExcept(0f))
                        {
                            continue;
                        }

                        for (var f = 0; f < features; f++)
                        {
                            var width = max[t, f] - min[t, f];
                            var bin = width <= 0 ? 0 : (int)((row[f] - min[t, f]) / width * bins);
                            counts[t, f, Math.Clamp(bin, 0, bins - 1)]++;
                        }
                    }
                }
            }
        }

        var result = new List<FeatureHistogram>(timeframes * features);
        for (var t = 0; t < timeframes; t++)
        {
            var code = schema.Timeframes[t].ToCode();
            var fraction = rows[t] == 0 ? 0 : (double)masked[t] / rows[t];
            for (var f = 0; f < features; f++)
            {
                var empty = double.IsPositiveInfinity(min[t, f]);
                var binCounts = new long[bins];
                for (var b = 0; b < bins; b++)
                {
                    binCounts[b] = counts[t, f, b];
                }

                result.Add(new FeatureHistogram(schema.Features[f].Name, code, empty ? 0 : min[t, f], empty ? 0 : max[t, f], binCounts, fraction));
            }
        }

        return result;
    }

    private static List<int> Sample(int count, int maxFrames)
    {
        if (count <= maxFrames)
        {
            return Enumerable.Range(0, count).ToList();
        }

        return Enumerable.Range(0, maxFrames).Select(k => (int)((long)k * count / maxFrames)).ToList();
    }
}
