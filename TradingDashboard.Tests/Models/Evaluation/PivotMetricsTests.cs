using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Models.FastTree;
using TradingDashboard.Trainer.Evaluation;

namespace TradingDashboard.Tests.Models.Evaluation;

/// <summary>Per-class metrics against hand-computed confusion matrices, the baselines, and the JSON rows.</summary>
public sealed class PivotMetricsTests
{
    private static PivotConfusionMatrix Matrix(params (PivotClass Actual, PivotClass Predicted, int Count)[] cells)
    {
        var matrix = new PivotConfusionMatrix();
        foreach (var (actual, predicted, count) in cells)
        {
            for (var i = 0; i < count; i++)
            {
                matrix.Add(actual, predicted);
            }
        }

        return matrix;
    }

    [Fact]
    public void Metrics_match_a_hand_computed_confusion_matrix()
    {
        //               predicted: none high low
        // actual none               50    10   5
        // actual high                4     8   3
        // actual low                 6     2  12
        var matrix = Matrix(
            (PivotClass.None, PivotClass.None, 50), (PivotClass.None, PivotClass.High, 10), (PivotClass.None, PivotClass.Low, 5),
            (PivotClass.High, PivotClass.None, 4), (PivotClass.High, PivotClass.High, 8), (PivotClass.High, PivotClass.Low, 3),
            (PivotClass.Low, PivotClass.None, 6), (PivotClass.Low, PivotClass.High, 2), (PivotClass.Low, PivotClass.Low, 12));

        // high: precision 8/20 = 0.4, recall 8/15, F1 = 2*0.4*(8/15)/(0.4+8/15) = 0.457142857...
        var high = matrix.Metrics("1m", PivotClass.High);
        Assert.Equal(("1m", "high", 15), (high.Timeframe, high.Class, high.Support));
        Assert.Equal(0.4, high.Precision, 12);
        Assert.Equal(8.0 / 15, high.Recall, 12);
        Assert.Equal(16.0 / 35, high.F1, 12);

        // low: precision 12/20 = 0.6, recall 12/20 = 0.6, F1 0.6
        var low = matrix.Metrics("1m", PivotClass.Low);
        Assert.Equal((0.6, 0.6, 20), (Math.Round(low.Precision, 12), Math.Round(low.Recall, 12), low.Support));
        Assert.Equal(0.6, low.F1, 12);

        // none: precision 50/60, recall 50/65, F1 = 2*50/(60+65) = 0.8
        var none = matrix.Metrics("1m", PivotClass.None);
        Assert.Equal(50.0 / 60, none.Precision, 12);
        Assert.Equal(50.0 / 65, none.Recall, 12);
        Assert.Equal(0.8, none.F1, 12);
        Assert.Equal(65, none.Support);

        Assert.Equal((16.0 / 35 + 0.6) / 2, matrix.PivotF1(), 12);
        Assert.Equal(["high", "low", "none"], matrix.AllMetrics("1m").Select(m => m.Class));
    }

    [Fact]
    public void A_class_never_predicted_has_precision_zero_and_a_class_never_seen_has_recall_zero()
    {
        var matrix = Matrix((PivotClass.None, PivotClass.None, 3), (PivotClass.High, PivotClass.None, 2), (PivotClass.None, PivotClass.Low, 1));
        var high = matrix.Metrics("1h", PivotClass.High);
        Assert.Equal((0.0, 0.0, 0.0, 2), (high.Precision, high.Recall, high.F1, high.Support));
        var low = matrix.Metrics("1h", PivotClass.Low);
        Assert.Equal((0.0, 0.0, 0.0, 0), (low.Precision, low.Recall, low.F1, low.Support));
    }

    [Fact]
    public void ArgMax_keeps_the_class_order_and_breaks_ties_towards_none()
    {
        Assert.Equal(PivotClass.High, PivotPredictions.ArgMax([0.2f, 0.5f, 0.3f]));
        Assert.Equal(PivotClass.Low, PivotPredictions.ArgMax([0.2f, 0.3f, 0.5f]));
        Assert.Equal(PivotClass.None, PivotPredictions.ArgMax([0.4f, 0.4f, 0.2f]));
        Assert.Equal(PivotClass.High, PivotPredictions.ArgMax([0.2f, 0.4f, 0.4f]));
    }

    [Fact]
    public void Random_baseline_follows_the_label_rates_and_the_seed()
    {
        var labels = Enumerable.Range(0, 20_000).Select(i => (sbyte)(i % 10 == 0 ? -1 : i % 10 < 7 ? 0 : i % 10 < 9 ? 1 : 2)).ToArray();
        // Known labels: 6/9 none, 2/9 high, 1/9 low.
        var drawn = PivotEvaluator.RandomBaseline(labels, seed: 4, timeframeIndex: 1);
        var known = Enumerable.Range(0, labels.Length).Where(i => labels[i] >= 0).ToList();
        Assert.InRange(known.Count(i => drawn[i] == PivotClass.None) / (double)known.Count, 6.0 / 9 - 0.02, 6.0 / 9 + 0.02);
        Assert.InRange(known.Count(i => drawn[i] == PivotClass.High) / (double)known.Count, 2.0 / 9 - 0.02, 2.0 / 9 + 0.02);
        Assert.InRange(known.Count(i => drawn[i] == PivotClass.Low) / (double)known.Count, 1.0 / 9 - 0.02, 1.0 / 9 + 0.02);
        Assert.Equal(drawn, PivotEvaluator.RandomBaseline(labels, seed: 4, timeframeIndex: 1));
        Assert.NotEqual(drawn, PivotEvaluator.RandomBaseline(labels, seed: 5, timeframeIndex: 1));
    }

    /// <summary>A model that predicts the synthetic data's 1m rule from the frame itself (certain of its class), for 1m only.</summary>
    private sealed class RuleModel : IPivotModel
    {
        public ModelCard Card { get; } = new()
        {
            Name = "rule",
            Kind = ModelKinds.Cnn,
            Version = "1",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            TrainerVersion = "test",
            FeatureSchemaHash = SyntheticPivotData.Schema.Hash,
            Opset = 17,
            InputKind = InputKinds.Frame,
            Inputs = [],
            Outputs = [],
            Timeframes = ["1m"],
            ProbabilityOutputs = new Dictionary<string, string> { ["1m"] = "p" },
            Labels = PivotLabelSettings.Default,
            Data = new TrainingDataInfo([], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, "", 0, 0, 0),
            GateScore = 0,
        };

        public string ExecutionProvider => "CPU";

        public static PivotClass Predicted(ReadOnlySpan<float> frame)
        {
            var schema = SyntheticPivotData.Schema;
            return SyntheticPivotData.Rule(frame[schema.BlockOffset(0, 0) + ((schema.WindowLength - 1) * schema.FeatureCount) + SyntheticPivotData.CloseIndex]);
        }

        public CNNPrediction Predict(FeatureFrame frame) => throw new NotSupportedException();

        public float[] PredictProbabilities(ReadOnlySpan<float> frames, int count, string timeframe)
        {
            Assert.Equal("1m", timeframe);
            var length = SyntheticPivotData.Schema.Length;
            var result = new float[count * 3];
            for (var i = 0; i < count; i++)
            {
                result[(i * 3) + (int)Predicted(frames.Slice(i * length, length))] = 1;
            }

            return result;
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public void Evaluator_reports_models_and_baselines_per_labelled_timeframe_and_class()
    {
        var dataset = SyntheticPivotData.Create(500, noise: 0.3);
        using var model = new RuleModel();
        var rows = PivotEvaluator.Evaluate(dataset, [new EvaluatedModel("cnn", model)], seed: 1, batchSize: 64);

        // cnn on 1m only (its card); baselines on 1m and 1h (both have known labels).
        Assert.Equal(
            ["cnn/1m", "always-none/1m", "random/1m", "always-none/1h", "random/1h"],
            rows.Select(r => $"{r.Model}/{r.Timeframe}").Distinct());
        Assert.All(rows.GroupBy(r => (r.Model, r.Timeframe)), g => Assert.Equal(["high", "low", "none"], g.Select(r => r.Class)));

        // Reference: the rule's confusion counted here, over frames with a known 1m label.
        var known = Enumerable.Range(0, dataset.Count).Where(i => dataset.Label(i, 0) >= 0).ToList();
        foreach (var c in new[] { PivotClass.None, PivotClass.High, PivotClass.Low })
        {
            var tp = known.Count(i => dataset.Label(i, 0) == (sbyte)c && RuleModel.Predicted(dataset.Frame(i)) == c);
            var predicted = known.Count(i => RuleModel.Predicted(dataset.Frame(i)) == c);
            var support = known.Count(i => dataset.Label(i, 0) == (sbyte)c);
            var row = rows.Single(r => r.Model == "cnn" && r.Timeframe == "1m" && r.Class == c.ToCode());
            Assert.Equal(support, row.Support);
            Assert.Equal((double)tp / predicted, row.Precision, 12);
            Assert.Equal((double)tp / support, row.Recall, 12);

            // always-none: recall 1 for none, 0 for the pivots; precision of none = its share of the known labels.
            var baseline = rows.Single(r => r.Model == "always-none" && r.Timeframe == "1m" && r.Class == c.ToCode());
            Assert.Equal(support, baseline.Support);
            Assert.Equal(c == PivotClass.None ? 1.0 : 0.0, baseline.Recall);
            Assert.Equal(c == PivotClass.None ? (double)support / known.Count : 0.0, baseline.Precision, 12);
        }

        // The 1h supports exclude the unknown labels (last 10 frames).
        Assert.Equal(490, rows.Where(r => r.Model == "random" && r.Timeframe == "1h").Sum(r => r.Support));
    }

    [Fact]
    public void Json_rows_have_exactly_the_documented_fields()
    {
        var rows = new[] { new EvaluationRow("fasttree", "1m", "high", 0.5, 0.25, 1.0 / 3, 12) };
        using var json = JsonDocument.Parse(PivotEvaluator.ToJson(rows));
        var row = Assert.Single(json.RootElement.EnumerateArray());
        Assert.Equal(["model", "timeframe", "class", "precision", "recall", "f1", "support"], row.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fasttree", row.GetProperty("model").GetString());
        Assert.Equal("high", row.GetProperty("class").GetString());
        Assert.Equal(0.25, row.GetProperty("recall").GetDouble());
        Assert.Equal(12, row.GetProperty("support").GetInt32());
    }
}
