using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.Evaluation;

/// <summary>One row of the evaluate verb's JSON: a model's precision, recall, F1 and support for one class on one timeframe.</summary>
public sealed record EvaluationRow(string Model, string Timeframe, string Class, double Precision, double Recall, double F1, int Support);

/// <summary>A model to evaluate and the name its rows carry ("cnn", "fasttree"); several single-timeframe models may share a name.</summary>
public sealed record EvaluatedModel(string Model, IPivotModel Pivot);

/// <summary>
/// Scores models and two baselines on the labelled frames of a held-out <see cref="PivotDataset"/>, per timeframe and
/// class. Baselines: "always-none" (predicts none for every frame) and "random" (draws each frame's class independently
/// with the class rates of that timeframe's labels in the evaluated period, from a seeded generator). Only timeframes with
/// at least one known label are reported; a model is reported for the timeframes its card lists. Precision of a class that
/// was never predicted is 0 (likewise recall of a class that never occurs, and F1 when both are 0).
/// </summary>
public static class PivotEvaluator
{
    public const string AlwaysNone = "always-none";
    public const string Random = "random";

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IReadOnlyList<EvaluationRow> Evaluate(PivotDataset dataset, IReadOnlyList<EvaluatedModel> models, int seed, int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rows = new List<EvaluationRow>();
        var labelled = Enumerable.Range(0, dataset.Timeframes.Count)
            .Where(t => Enumerable.Range(0, dataset.Count).Any(i => dataset.Label(i, t) >= 0))
            .ToList();

        var seen = new HashSet<(string Model, string Timeframe)>();
        foreach (var model in models)
        {
            foreach (var t in labelled)
            {
                var code = dataset.Timeframes[t].ToCode();
                if (!model.Pivot.Card.Timeframes.Contains(code))
                {
                    continue;
                }

                if (!seen.Add((model.Model, code)))
                {
                    throw new InvalidOperationException($"Two models named '{model.Model}' predict timeframe {code}; rows would be ambiguous.");
                }

                rows.AddRange(Score(dataset, t, ModelPredictions(dataset, t, model.Pivot, batchSize)).AllMetrics(code).Select(m => Row(model.Model, m)));
            }
        }

        foreach (var t in labelled)
        {
            var code = dataset.Timeframes[t].ToCode();
            var labels = dataset.LabelsFor(t);
            rows.AddRange(Score(dataset, t, new PivotClass[dataset.Count]).AllMetrics(code).Select(m => Row(AlwaysNone, m)));
            rows.AddRange(Score(dataset, t, RandomBaseline(labels, seed, t)).AllMetrics(code).Select(m => Row(Random, m)));
        }

        return rows;
    }

    /// <summary>
    /// The random baseline for one timeframe: for each frame with a known label, a class drawn with the label rates of the
    /// known labels (none, high, low), from <c>new Random(seed + 7919 x timeframeIndex)</c>; frames with unknown labels get none
    /// (they are not scored).
    /// </summary>
    public static PivotClass[] RandomBaseline(IReadOnlyList<sbyte> labels, int seed, int timeframeIndex)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var counts = new double[PivotClassExtensions.Count];
        foreach (var label in labels)
        {
            if (label >= 0)
            {
                counts[label]++;
            }
        }

        var total = counts.Sum();
        var random = new Random(unchecked(seed + (7919 * timeframeIndex)));
        var result = new PivotClass[labels.Count];
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] < 0)
            {
                continue;
            }

            var draw = random.NextDouble() * total;
            result[i] = draw < counts[0] ? PivotClass.None : draw < counts[0] + counts[1] ? PivotClass.High : PivotClass.Low;
        }

        return result;
    }

    public static string ToJson(IReadOnlyList<EvaluationRow> rows) => JsonSerializer.Serialize(rows, JsonOptions);

    public static void WriteTable(IReadOnlyList<EvaluationRow> rows, IAnsiConsole console)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(console);
        var table = new Table().AddColumn("model").AddColumn("timeframe").AddColumn("class")
            .AddColumn(new TableColumn("precision").RightAligned()).AddColumn(new TableColumn("recall").RightAligned())
            .AddColumn(new TableColumn("F1").RightAligned()).AddColumn(new TableColumn("support").RightAligned());
        foreach (var row in rows.OrderBy(r => TimeframeExtensions.Parse(r.Timeframe)))
        {
            table.AddRow(
                Markup.Escape(row.Model),
                row.Timeframe,
                row.Class,
                row.Precision.ToString("0.000", CultureInfo.InvariantCulture),
                row.Recall.ToString("0.000", CultureInfo.InvariantCulture),
                row.F1.ToString("0.000", CultureInfo.InvariantCulture),
                row.Support.ToString(CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    private static PivotClass[] ModelPredictions(PivotDataset dataset, int timeframeIndex, IPivotModel model, int batchSize)
    {
        var code = dataset.Timeframes[timeframeIndex].ToCode();
        var result = new PivotClass[dataset.Count];
        for (var start = 0; start < dataset.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, dataset.Count - start);
            var probabilities = model.PredictProbabilities(dataset.Frames(start, count), count, code);
            if (probabilities.Length != count * PivotClassExtensions.Count)
            {
                throw new ModelRuntimeException($"Model {model.Card.Name} returned {probabilities.Length} probabilities for {count} frames.");
            }

            for (var i = 0; i < count; i++)
            {
                result[start + i] = PivotPredictions.ArgMax(probabilities.AsSpan(i * PivotClassExtensions.Count, PivotClassExtensions.Count));
            }
        }

        return result;
    }

    private static PivotConfusionMatrix Score(PivotDataset dataset, int timeframeIndex, PivotClass[] predicted)
    {
        var matrix = new PivotConfusionMatrix();
        for (var i = 0; i < dataset.Count; i++)
        {
            var label = dataset.Label(i, timeframeIndex);
            if (label >= 0)
            {
                matrix.Add((PivotClass)label, predicted[i]);
            }
        }

        return matrix;
    }

    private static EvaluationRow Row(string model, ClassMetrics metrics) =>
        new(model, metrics.Timeframe, metrics.Class, metrics.Precision, metrics.Recall, metrics.F1, metrics.Support);
}
