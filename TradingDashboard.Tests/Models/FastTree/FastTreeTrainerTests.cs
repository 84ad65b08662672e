using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Microsoft.ML.OnnxRuntime;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.FastTree;

namespace TradingDashboard.Tests.Models.FastTree;

/// <summary>The FastTree expert: ONNX export agrees with ML.NET, class order, determinism, the card and the run record.</summary>
public sealed class FastTreeTrainerTests : IDisposable
{
    private static readonly FastTreeSettings Small = new() { Trees = 20, Leaves = 8, MinimumExampleCountPerLeaf = 5, LearningRate = 0.3, Seed = 3 };
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "td-fasttree-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static FakeTimeProvider Clock() => new(new DateTimeOffset(2024, 11, 27, 15, 30, 0, TimeSpan.Zero));

    private FastTreeTrainingResult Train(Timeframe timeframe, string? folder = null, int frames = 900) =>
        new FastTreeTrainer(Clock()).Train(new FastTreeTrainingRequest(SyntheticPivotData.Create(frames), timeframe, folder ?? _directory, Small));

    /// <summary>Runs the ONNX file in ONNX Runtime directly: Features plus zeros for every other input.</summary>
    private static float[] RunOnnx(string path, float[] rows, int count, out IReadOnlyList<string> inputNames) =>
        RunOnnx(path, rows, count, out inputNames, out _);

    private static float[] RunOnnx(string path, float[] rows, int count, out IReadOnlyList<string> inputNames, out uint[] predictedKeys)
    {
        using var session = new InferenceSession(path);
        inputNames = session.InputMetadata.Keys.ToList();
        var values = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(rows, [count, rows.Length / count]) };
        var names = new List<string> { "Features" };
        foreach (var (name, meta) in session.InputMetadata.Where(kv => kv.Key != "Features"))
        {
            // ML.NET's graph also takes the training-only columns: Label (uint32 key) and Weight (float).
            names.Add(name);
            values.Add(name switch
            {
                "Label" => OrtValue.CreateTensorValueFromMemory(new uint[count], [count, 1]),
                "Weight" => OrtValue.CreateTensorValueFromMemory(new float[count], [count, 1]),
                _ => throw new InvalidOperationException($"unexpected input {name} ({meta.ElementType})"),
            });
        }

        using var options = new RunOptions();
        using var results = session.Run(options, names, values, ["Score.output", "PredictedLabel.output"]);
        var output = results[0].GetTensorDataAsSpan<float>().ToArray();
        predictedKeys = results[1].GetTensorDataAsSpan<uint>().ToArray();
        foreach (var v in values)
        {
            v.Dispose();
        }

        return output;
    }

    [Fact]
    public void Onnx_probabilities_match_MLNET_sum_to_one_and_follow_the_class_order_none_high_low()
    {
        var dataset = SyntheticPivotData.Create(900);
        var rows = new List<float>();
        var labels = new List<byte>();
        for (var i = 0; i < 600; i++)
        {
            if (dataset.Label(i, 0) >= 0)
            {
                rows.AddRange(SyntheticPivotData.Summary(dataset.Frame(i)));
                labels.Add((byte)dataset.Label(i, 0));
            }
        }

        var featureCount = SyntheticPivotData.Summary(dataset.Frame(0)).Length;
        var classifier = FastTreeClassifier.Train(rows.ToArray(), labels.ToArray(), labels.Count, featureCount, Small);
        var onnxPath = Path.Combine(Directory.CreateDirectory(_directory).FullName, "probe.onnx");
        File.WriteAllBytes(onnxPath, classifier.ExportOnnx());

        // Fresh rows (frames 600..899), including constructed ones far on each side of the rule.
        var test = new List<float>();
        for (var i = 600; i < 900; i++)
        {
            test.AddRange(SyntheticPivotData.Summary(dataset.Frame(i)));
        }

        var count = 300;
        var expected = classifier.PredictProbabilities(test.ToArray(), count);
        var actual = RunOnnx(onnxPath, test.ToArray(), count, out var inputs, out var keys);
        Assert.Equal("Features", inputs[0]);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5, $"value {i}: ML.NET {expected[i]} vs ONNX {actual[i]}");
        }

        var closeInSummary = SyntheticPivotData.CloseIndex; // block 0 (1m), "last bar" part
        var agreeWithRule = 0;
        var decided = 0;
        for (var r = 0; r < count; r++)
        {
            var row = actual.AsSpan(r * 3, 3);
            Assert.InRange(row[0] + row[1] + row[2], 1 - 1e-5, 1 + 1e-5);
            var argMax = row[1] > row[0] && row[1] >= row[2] ? 1u : row[2] > row[0] && row[2] > row[1] ? 2u : 0u;
            Assert.Equal(argMax + 1, keys[r]); // PredictedLabel.output is the 1-based class key
            var close = test[(r * featureCount) + closeInSummary];
            if (Math.Abs(Math.Abs(close) - 0.6) < 0.1)
            {
                continue; // near the rule's threshold: either class is fair
            }

            decided++;
            var best = row[1] > row[0] && row[1] >= row[2] ? PivotClass.High : row[2] > row[0] && row[2] > row[1] ? PivotClass.Low : PivotClass.None;
            agreeWithRule += best == SyntheticPivotData.Rule(close) ? 1 : 0;
        }

        // Probability index 1 must be "high" (close > 0.6) and index 2 "low" (close < -0.6): a swapped order would fail most rows.
        Assert.True(agreeWithRule >= decided * 0.9, $"{agreeWithRule} of {decided} rows follow the rule");
    }

    [Fact]
    public void Training_writes_onnx_card_and_run_record_with_the_stated_fields()
    {
        var dataset = SyntheticPivotData.Create(900);
        var result = Train(Timeframe.OneMinute);
        Assert.Equal(Path.Combine(_directory, "fasttree-1m.onnx"), result.OnnxPath);
        Assert.Equal(Path.Combine(_directory, "fasttree-1m.json"), result.CardPath);

        var card = ModelCard.Read(result.CardPath);
        Assert.Equal("fasttree-1m", card.Name);
        Assert.Equal("fasttree", card.Kind);
        Assert.Equal("frame-summary", card.InputKind);
        Assert.Equal("20241127T153000Z", card.Version);
        Assert.Equal(SyntheticPivotData.Schema.Hash, card.FeatureSchemaHash);
        Assert.Equal(["1m"], card.Timeframes);
        Assert.Equal("Score.output", card.ProbabilityOutputs["1m"]);
        Assert.Equal(["none", "high", "low"], card.Classes);
        Assert.Equal("Features", card.Inputs[0].Name);
        Assert.Equal("float32", card.Inputs[0].ElementType);
        Assert.Equal([-1L, 2 * 1 * 2 * 43], card.Inputs[0].Shape);
        Assert.Contains(card.Inputs.Skip(1), i => i.Name == "Label" && i.ElementType == "uint32");
        Assert.Contains(card.Outputs, o => o.Name == "Score.output" && o.Shape.SequenceEqual([-1L, 3]));
        Assert.Equal(PivotLabelSettings.Default, card.Labels);
        Assert.Equal(dataset.Sha256(), card.Data.Sha256);
        Assert.Equal(["ETHUSDT"], card.Data.Symbols);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(result.OnnxPath))), card.OnnxSha256);
        Assert.False(string.IsNullOrWhiteSpace(card.TrainerVersion));
        Assert.True(card.Opset >= 7, $"opset {card.Opset}");
        Assert.NotEmpty(card.Notes);

        // Samples: labelled 1m frames per split. Frame 899 (899 % 7 == 3) is the last frame and unknown, so the labelled span
        // is frames 0..898 (899 frames): train [0, 629 - 5), validation [629, 764 - 5), test [764, 899); gap 5 frames
        // (1m horizon 5 bars, frames 1 minute apart); 629 = floor(899 x 0.7), 764 = floor(899 x 0.85).
        static int Known(int from, int to) => Enumerable.Range(from, to - from).Count(i => i % 7 != 3);
        Assert.Equal(Known(0, 629 - 5), card.Data.TrainSamples);
        Assert.Equal(Known(629, 764 - 5), card.Data.ValidationSamples);
        Assert.Equal(Known(764, 899), card.Data.TestSamples);

        // Metrics: recomputed here from ONNX Runtime's predictions on the validation frames.
        var validationFrames = Enumerable.Range(629, 764 - 5 - 629).Where(i => dataset.Label(i, 0) >= 0).ToList();
        var rows = validationFrames.SelectMany(i => SyntheticPivotData.Summary(dataset.Frame(i))).ToArray();
        var probabilities = RunOnnx(result.OnnxPath, rows, validationFrames.Count, out _);
        double F1(PivotClass c)
        {
            int tp = 0, predicted = 0, actual = 0;
            for (var r = 0; r < validationFrames.Count; r++)
            {
                var p = probabilities.AsSpan(r * 3, 3);
                var best = p[1] > p[0] && p[1] >= p[2] ? PivotClass.High : p[2] > p[0] && p[2] > p[1] ? PivotClass.Low : PivotClass.None;
                var truth = (PivotClass)dataset.Label(validationFrames[r], 0);
                tp += best == c && truth == c ? 1 : 0;
                predicted += best == c ? 1 : 0;
                actual += truth == c ? 1 : 0;
            }

            var precision = predicted == 0 ? 0 : (double)tp / predicted;
            var recall = actual == 0 ? 0 : (double)tp / actual;
            return precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }

        var expectedGate = (F1(PivotClass.High) + F1(PivotClass.Low)) / 2;
        Assert.Equal(expectedGate, card.GateScore, 9);
        Assert.Equal(expectedGate, card.Validation!.PivotF1, 9);
        Assert.True(card.GateScore > 0.6, $"gate {card.GateScore}: the rule is learnable");
        Assert.Equal(3, card.Validation.Classes.Count);
        Assert.Equal(validationFrames.Count(i => dataset.Label(i, 0) == 1), card.Validation.Classes.Single(c => c.Class == "high").Support);
        Assert.NotNull(card.Test);

        // The card is also inside the ONNX file's metadata (without its own file hash).
        using (var session = new InferenceSession(result.OnnxPath))
        {
            var embedded = ModelCard.FromJson(session.ModelMetadata.CustomMetadataMap[ModelCard.MetadataKey]);
            Assert.Equal(card.Name, embedded.Name);
            Assert.Null(embedded.OnnxSha256);
        }

        // Training-run record.
        var runPath = Path.Combine(_directory, "runs", "fasttree-1m-20241127T153000Z.json");
        Assert.Equal(runPath, result.RunPath);
        using var run = JsonDocument.Parse(File.ReadAllText(runPath));
        Assert.Equal("fasttree", run.RootElement.GetProperty("kind").GetString());
        Assert.Equal("completed", run.RootElement.GetProperty("status").GetString());
        Assert.Equal("fasttree-1m", run.RootElement.GetProperty("modelName").GetString());
        Assert.True(run.RootElement.GetProperty("epochs").GetArrayLength() <= 1);
    }

    [Fact]
    public void Gap_frames_cover_one_label_horizon()
    {
        var dataset = SyntheticPivotData.Create(400);
        Assert.Equal(5, FastTreeTrainer.GapFrames(dataset, Timeframe.OneMinute));
        Assert.Equal(300, FastTreeTrainer.GapFrames(dataset, Timeframe.OneHour));
    }

    [Fact]
    public void A_timeframe_the_dataset_lacks_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => Train(Timeframe.OneDay, frames: 100));
        Assert.Contains("1d", error.Message, StringComparison.Ordinal);
    }
}
