using TradingDashboard.Core.Models;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>Precision, recall and F1 per timeframe and class from predicted and true classes (labels -1 are skipped).</summary>
public static class PivotMetrics
{
    /// <summary>
    /// <paramref name="predicted"/> and <paramref name="labels"/> are [n, timeframes] row-major. Only timeframes with at least
    /// one known label get rows (three: none, high, low). Precision is 0 when the class was never predicted, recall 0 when it
    /// has no support, F1 0 when precision + recall is 0. PivotF1 is the mean F1 of high and low over those timeframes (0 when none).
    /// </summary>
    public static ModelMetrics Compute(ReadOnlySpan<int> predicted, ReadOnlySpan<sbyte> labels, IReadOnlyList<string> timeframeCodes, double loss)
    {
        ArgumentNullException.ThrowIfNull(timeframeCodes);
        var timeframes = timeframeCodes.Count;
        if (predicted.Length != labels.Length || labels.Length % timeframes != 0)
        {
            throw new ArgumentException("Predictions and labels must both be [n, timeframes].");
        }

        var n = labels.Length / timeframes;
        var rows = new List<ClassMetrics>();
        var pivotF1 = new List<double>();
        for (var t = 0; t < timeframes; t++)
        {
            var truePositive = new int[3];
            var predictedCount = new int[3];
            var support = new int[3];
            var known = 0;
            for (var i = 0; i < n; i++)
            {
                var label = labels[(i * timeframes) + t];
                if (label < 0)
                {
                    continue;
                }

                known++;
                var p = predicted[(i * timeframes) + t];
                support[label]++;
                predictedCount[p]++;
                if (p == label)
                {
                    truePositive[label]++;
                }
            }

            if (known == 0)
            {
                continue;
            }

            foreach (var pivotClass in PivotClassExtensions.All)
            {
                var c = (int)pivotClass;
                var precision = predictedCount[c] == 0 ? 0 : (double)truePositive[c] / predictedCount[c];
                var recall = support[c] == 0 ? 0 : (double)truePositive[c] / support[c];
                var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
                rows.Add(new ClassMetrics(timeframeCodes[t], pivotClass.ToCode(), precision, recall, f1, support[c]));
                if (pivotClass != PivotClass.None)
                {
                    pivotF1.Add(f1);
                }
            }
        }

        return new ModelMetrics(loss, pivotF1.Count == 0 ? 0 : pivotF1.Average(), rows);
    }
}
