using TradingDashboard.Core.Models;

namespace TradingDashboard.Trainer.Evaluation;

/// <summary>
/// A 3x3 confusion matrix over the pivot classes (rows actual, columns predicted, both in class order none, high, low),
/// and the per-class precision, recall and F1 read from it. Unknown labels (-1) are never added.
/// </summary>
public sealed class PivotConfusionMatrix
{
    private readonly long[,] _counts = new long[PivotClassExtensions.Count, PivotClassExtensions.Count];

    public long Total { get; private set; }

    public long this[PivotClass actual, PivotClass predicted] => _counts[(int)actual, (int)predicted];

    public void Add(PivotClass actual, PivotClass predicted)
    {
        _counts[(int)actual, (int)predicted]++;
        Total++;
    }

    /// <summary>Frames whose actual class is <paramref name="pivotClass"/>.</summary>
    public long Support(PivotClass pivotClass)
    {
        long sum = 0;
        for (var p = 0; p < PivotClassExtensions.Count; p++)
        {
            sum += _counts[(int)pivotClass, p];
        }

        return sum;
    }

    /// <summary>Frames predicted as <paramref name="pivotClass"/>.</summary>
    public long Predicted(PivotClass pivotClass)
    {
        long sum = 0;
        for (var a = 0; a < PivotClassExtensions.Count; a++)
        {
            sum += _counts[a, (int)pivotClass];
        }

        return sum;
    }

    /// <summary>
    /// Precision, recall and F1 of one class. Conventions (stated, not invented): precision is 0 when the class was never
    /// predicted, recall is 0 when the class never occurs (support 0), and F1 is 0 when precision + recall is 0.
    /// </summary>
    public ClassMetrics Metrics(string timeframe, PivotClass pivotClass)
    {
        var truePositives = (double)this[pivotClass, pivotClass];
        var predicted = Predicted(pivotClass);
        var support = Support(pivotClass);
        var precision = predicted == 0 ? 0 : truePositives / predicted;
        var recall = support == 0 ? 0 : truePositives / support;
        var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new ClassMetrics(timeframe, pivotClass.ToCode(), precision, recall, f1, checked((int)support));
    }

    /// <summary>Metrics of every class, in the order high, low, none (pivots first, as reports read them).</summary>
    public IReadOnlyList<ClassMetrics> AllMetrics(string timeframe) =>
        [Metrics(timeframe, PivotClass.High), Metrics(timeframe, PivotClass.Low), Metrics(timeframe, PivotClass.None)];

    /// <summary>Mean F1 of the high and low classes: the number the promotion gate compares.</summary>
    public double PivotF1() => (Metrics(string.Empty, PivotClass.High).F1 + Metrics(string.Empty, PivotClass.Low).F1) / 2;
}

/// <summary>Helpers shared by the trainer and the evaluator for turning probabilities into classes.</summary>
public static class PivotPredictions
{
    /// <summary>
    /// The most probable class of one [none, high, low] row; ties go to the earlier class in that order (so an all-equal row
    /// is none), matching ML.NET's arg-max over the same scores.
    /// </summary>
    public static PivotClass ArgMax(ReadOnlySpan<float> probabilities)
    {
        if (probabilities.Length != PivotClassExtensions.Count)
        {
            throw new ArgumentException($"Expected {PivotClassExtensions.Count} probabilities, got {probabilities.Length}.", nameof(probabilities));
        }

        var best = 0;
        for (var c = 1; c < PivotClassExtensions.Count; c++)
        {
            if (probabilities[c] > probabilities[best])
            {
                best = c;
            }
        }

        return (PivotClass)best;
    }
}
