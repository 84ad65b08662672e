using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Tests.Models.Cnn;

[Collection(TorchCollection.Name)]
public sealed class CnnTrainingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cnn-train-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-02T03:04:05Z", System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static CnnTrainingOptions Small(int seed, int epochs) => new()
    {
        Seed = seed,
        Epochs = epochs,
        BatchSize = 16,
        ConvChannels = 16,
        Hidden = 12,
        Attention = 8,
        Patience = 10,
        HistogramMaxFrames = 50,
    };

    [Fact]
    public void Two_trainings_with_one_seed_give_identical_weights_and_metrics_and_another_seed_differs()
    {
        var dataset = CnnTestData.Synthetic(80, seed: 1);
        using var a = new CnnTrainer(Small(7, 2), _time).Train(dataset, Path.Combine(_dir, "a"));
        using var b = new CnnTrainer(Small(7, 2), _time).Train(dataset, Path.Combine(_dir, "b"));
        using var c = new CnnTrainer(Small(8, 2), _time).Train(dataset, Path.Combine(_dir, "c"));

        var wa = a.Model.Weights();
        var wb = b.Model.Weights();
        Assert.Equal(wa.Keys, wb.Keys);
        foreach (var (name, (values, _)) in wa)
        {
            Assert.Equal(values, wb[name].Values);
        }

        Assert.Equal(a.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss, e.ValidationPivotF1)), b.Epochs.Select(e => (e.TrainLoss, e.ValidationLoss, e.ValidationPivotF1)));
        Assert.Equal(JsonSerializer.Serialize(a.Test), JsonSerializer.Serialize(b.Test));
        Assert.NotEqual(wa["conv1.weight"].Values, c.Model.Weights()["conv1.weight"].Values);
    }

    [Fact]
    public void Learns_a_learnable_label_and_persists_the_run()
    {
        var dataset = CnnTestData.Synthetic(200, seed: 2);
        var options = Small(3, 12) with { LearningRate = 3e-3 };
        var (result, card, onnxPath) = new CnnTrainer(options, _time).TrainAndExport(dataset, _dir);
        using (result)
        {
            // Loss falls, and the heads beat chance on the held-out test frames (labels follow the 1m close shift).
            Assert.True(result.Epochs[^1].TrainLoss < result.Epochs[0].TrainLoss);
            Assert.True(result.Test.PivotF1 > 0.5, $"test pivot F1 {result.Test.PivotF1}");

            // Splits are chronological 70/15/15 of 200 frames, less the automatic gap at each boundary (capped at 2%: 4 frames).
            Assert.Equal(4, CnnTrainer.AutoGapFrames(dataset));
            Assert.Equal((136, 26, 30), (result.Data.TrainSamples, result.Data.ValidationSamples, result.Data.TestSamples));
            Assert.Equal(dataset.Sha256(), result.Data.Sha256);

            // The 1s labels are all unknown: no metric rows for 1s, and a note says so.
            Assert.DoesNotContain(result.Test.Classes, m => m.Timeframe == "1s");
            Assert.Equal(9, result.Test.Classes.Count);
            Assert.Contains(result.Notes, n => n.StartsWith("1s labels absent", StringComparison.Ordinal));
            Assert.Equal(result.Validation.PivotF1, card.GateScore);

            // Test support counted by hand from the dataset's last 30 frames.
            var testLabels = Enumerable.Range(170, 30).Select(i => dataset.Label(i, 1)).ToList();
            foreach (var (cls, code) in new[] { (0, "none"), (1, "high"), (2, "low") })
            {
                Assert.Equal(testLabels.Count(l => l == cls), result.Test.Classes.Single(m => m.Timeframe == "1m" && m.Class == code).Support);
            }

            var run = JsonSerializer.Deserialize<TrainingRunRecord>(File.ReadAllText(result.RunPath), ModelCard.JsonOptions)!;
            Assert.Equal(result.RunId, run.RunId);
            Assert.Equal("cnn-pivot-20260102T030405Z-s3", run.RunId);
            Assert.Contains(run.Status, new[] { "completed", "early-stopped" });
            Assert.Equal(result.Epochs.Count, run.Epochs.Count);
            Assert.Equal(4 * CnnTestData.Schema.FeatureCount, run.Histograms.Count);
            Assert.Equal(Path.GetFullPath(onnxPath), run.OnnxPath);
            Assert.NotNull(run.Test);
            Assert.True(File.Exists(result.CheckpointPath));
            Assert.StartsWith(Path.Combine(_dir, "checkpoints"), result.CheckpointPath, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(_dir, "cnn-pivot.json")));
        }
    }

    [Fact]
    public void Stops_early_when_validation_loss_stops_improving_and_keeps_the_best_weights()
    {
        // Random labels and a high learning rate: the validation loss soon stops improving.
        var dataset = CnnTestData.Synthetic(120, seed: 4, randomLabels: true);
        var options = Small(5, 40) with { Patience = 2, LearningRate = 0.02, Dropout = 0, StopOn = EarlyStoppingMetric.ValidationLoss };
        using var result = new CnnTrainer(options, _time).Train(dataset, _dir);

        Assert.Equal("early-stopped", result.Status);
        Assert.True(result.Epochs.Count < 40);

        // Reference: walk the recorded validation losses with the same rule (improvement of at least MinDelta resets the count).
        var best = double.PositiveInfinity;
        var since = 0;
        var stopAt = -1;
        var bestEpoch = 0;
        foreach (var e in result.Epochs)
        {
            if (e.ValidationLoss < best - options.MinDelta)
            {
                best = e.ValidationLoss;
                bestEpoch = e.Epoch;
                since = 0;
            }
            else if (++since >= options.Patience)
            {
                stopAt = e.Epoch;
                break;
            }
        }

        Assert.Equal(result.Epochs.Count, stopAt);
        Assert.Equal(bestEpoch + options.Patience, stopAt);
        // The returned model is the checkpoint of the best epoch: its validation loss is the best recorded one.
        Assert.Equal(best, result.Validation.Loss, 1e-5);
        var run = JsonSerializer.Deserialize<TrainingRunRecord>(File.ReadAllText(result.RunPath), ModelCard.JsonOptions)!;
        Assert.Equal("early-stopped", run.Status);
        Assert.NotNull(run.FinishedUtc);
    }

    [Fact]
    public void A_dataset_without_known_validation_labels_fails_and_the_run_says_so()
    {
        var schema = CnnTestData.Schema;
        var dataset = new PivotDataset(schema, PivotLabelSettings.Default, new float[20 * schema.Length], Enumerable.Repeat((sbyte)-1, 80).ToArray(), Enumerable.Range(0, 20).Select(i => (long)i * 60_000).ToArray());
        Assert.Throws<InvalidDataException>(() => new CnnTrainer(Small(1, 1), _time).Train(dataset, _dir));
        var runFile = Directory.GetFiles(Path.Combine(_dir, "runs"), "*.json").Single();
        var run = JsonSerializer.Deserialize<TrainingRunRecord>(File.ReadAllText(runFile), ModelCard.JsonOptions)!;
        Assert.Equal("failed", run.Status);
        Assert.Contains("labelled", run.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_match_a_hand_count()
    {
        // 1m: labels none, high, high, low, -1; predicted none, high, none, high, low.
        sbyte[] labels = [0, 1, 1, 2, -1];
        int[] predicted = [0, 1, 0, 1, 2];
        var m = PivotMetrics.Compute(predicted, labels, ["1m"], 0.5);
        var high = m.Classes.Single(c => c.Class == "high");
        Assert.Equal((0.5, 0.5, 0.5, 2), (high.Precision, high.Recall, high.F1, high.Support)); // 1 TP of 2 predicted, 2 true
        var none = m.Classes.Single(c => c.Class == "none");
        Assert.Equal((0.5, 1.0, 2.0 / 3, 1), (none.Precision, none.Recall, none.F1, none.Support));
        var low = m.Classes.Single(c => c.Class == "low");
        Assert.Equal((0.0, 0.0, 0.0, 1), (low.Precision, low.Recall, low.F1, low.Support)); // the one low prediction had label -1
        Assert.Equal(0.25, m.PivotF1); // mean of high 0.5 and low 0
    }

    [Fact]
    public void Histograms_leave_masked_rows_out_and_count_by_hand()
    {
        var schema = CnnTestData.Schema;
        var close = schema.IndexOfFeature("close");
        var values = new float[2 * schema.Length];
        for (var i = 0; i < 2; i++)
        {
            for (var s = 0; s < 2; s++)
            {
                for (var t = 1; t < 4; t++) // 1s (t = 0) stays all zero: masked
                {
                    var block = values.AsSpan((i * schema.Length) + schema.BlockOffset(s, t), schema.BlockLength);
                    for (var w = 0; w < 32; w++)
                    {
                        block.Slice(w * 43, 43).Fill(1f);
                        block[(w * 43) + close] = w + 1; // 1..32
                    }
                }
            }
        }

        var dataset = new PivotDataset(schema, PivotLabelSettings.Default, values, new sbyte[8], [0, 60_000]);
        var histograms = FeatureHistograms.Compute(dataset, bins: 31);
        Assert.Equal(4 * 43, histograms.Count);
        var closeOneMinute = histograms.Single(h => h.Feature == "close" && h.Timeframe == "1m");
        Assert.Equal((1.0, 32.0, 0.0), (closeOneMinute.Min, closeOneMinute.Max, closeOneMinute.MaskedFraction));
        // Values 1..31 fall in bins 0..30 one each, 32 (the top edge) in the last bin; times 2 frames x 2 symbols.
        Assert.Equal([.. Enumerable.Repeat(4L, 30), 8L], closeOneMinute.Counts);
        var closeOneSecond = histograms.Single(h => h.Feature == "close" && h.Timeframe == "1s");
        Assert.Equal(1.0, closeOneSecond.MaskedFraction);
        Assert.All(closeOneSecond.Counts, c => Assert.Equal(0, c));
        var volume = histograms.Single(h => h.Feature == "volume" && h.Timeframe == "1d");
        Assert.Equal(128, volume.Counts[0]); // constant 1: everything in the first bin (2 x 2 x 32 rows)
    }
}
