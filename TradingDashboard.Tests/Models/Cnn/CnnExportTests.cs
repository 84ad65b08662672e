using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;
using OrtValue = Microsoft.ML.OnnxRuntime.OrtValue;

namespace TradingDashboard.Tests.Models.Cnn;

[Collection(TorchCollection.Name)]
public sealed class CnnExportTests : IDisposable
{
    private static readonly string[] Codes = ["1s", "1m", "1h", "1d"];
    private readonly string _dir = Directory.CreateTempSubdirectory("cnn-export-").FullName;

    public CnnExportTests() => TorchNativeLoader.EnsureLoaded();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Gru_gate_blocks_are_reordered_from_pytorch_to_onnx()
    {
        Assert.Equal([3f, 4f, 1f, 2f, 5f, 6f], CnnOnnxExporter.SwapGateBlocks([1, 2, 3, 4, 5, 6], 2));
    }

    [Fact]
    public void Random_weights_agree_with_onnx_runtime_on_random_input()
    {
        using var model = NewModel(seed: 11);
        var input = RandomFrames(3, seed: 5, scale: 2f);
        AssertParity(model, input, 3);
    }

    [Fact]
    public void Real_frames_agree_with_onnx_runtime()
    {
        var dataset = PivotDatasetBuilder.BuildFromBars(CnnTestData.RealBars, PivotDatasetBuilder.DefaultFeatures(CnnTestData.Symbols), PivotLabelSettings.Default,
            CnnTestData.RealFrom.ToUnixTimeMilliseconds(), stride: 7, maxFrames: 5);
        Assert.Equal(5, dataset.Count);
        Assert.Equal(CnnTestData.Schema.Hash, dataset.Schema.Hash);
        // Real data: the 1m, 1h and 1d blocks hold values, the 1s block is masked (no 1s history).
        var frame = dataset.Frame(0);
        Assert.True(frame.Slice(dataset.Schema.BlockOffset(0, 1), dataset.Schema.BlockLength).ContainsAnyExcept(0f));
        Assert.True(frame.Slice(dataset.Schema.BlockOffset(1, 3), dataset.Schema.BlockLength).ContainsAnyExcept(0f));
        Assert.False(frame.Slice(dataset.Schema.BlockOffset(0, 0), dataset.Schema.BlockLength).ContainsAnyExcept(0f));

        // Weights after a short training on synthetic data (not only the initial ones).
        using var model = NewModel(seed: 3);
        using (var optimizer = torch.optim.Adam(model.parameters(), 0.01))
        {
            var synthetic = RandomFrames(8, seed: 9, scale: 1f);
            for (var step = 0; step < 3; step++)
            {
                using var scope = torch.NewDisposeScope();
                var output = model.forward(torch.tensor(synthetic, [8, 2, 4, 32, 43]));
                var loss = output.Logits.pow(2).mean() + output.ConfidenceLogits.mean();
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }

        AssertParity(model, dataset.Frames(0, dataset.Count).ToArray(), dataset.Count);
    }

    [Fact]
    public void The_graph_has_the_contract_names_and_a_dynamic_batch()
    {
        using var model = NewModel(seed: 1);
        var proto = CnnOnnxExporter.BuildModel(model, Codes, new Dictionary<string, string>());
        Assert.Equal(17, proto.OpsetImport.Single().Version);
        Assert.Equal(["frame"], proto.Graph.Input.Select(i => i.Name).ToArray());
        Assert.Equal(["probs_1s", "probs_1m", "probs_1h", "probs_1d", "confidence", "hidden"], proto.Graph.Output.Select(o => o.Name).ToArray());
        var inputDims = proto.Graph.Input[0].Type.TensorType.Shape.Dim;
        Assert.Equal("batch", inputDims[0].DimParam);
        Assert.Equal([2L, 4, 32, 43], inputDims.Skip(1).Select(d => d.DimValue).ToArray());

        using var session = new InferenceSession(proto.ToByteArray());
        foreach (var batch in new[] { 1, 7 })
        {
            var input = RandomFrames(batch, seed: 100 + batch, scale: 1f);
            var outputs = RunOnnx(session, input, batch);
            foreach (var code in Codes)
            {
                Assert.Equal([batch, 3L], outputs["probs_" + code].Shape);
            }

            Assert.Equal([batch, 4L], outputs["confidence"].Shape);
            Assert.Equal([batch, 48L], outputs["hidden"].Shape);
        }

        // Rows of a batch are independent: frame 3 of a batch of 7 scores as it does alone.
        var seven = RandomFrames(7, seed: 77, scale: 1f);
        var all = RunOnnx(session, seven, 7);
        var alone = RunOnnx(session, seven.AsSpan(3 * 11008, 11008).ToArray(), 1);
        foreach (var (name, (values, shape)) in alone)
        {
            var width = (int)shape[1];
            var row = all[name].Values.AsSpan(3 * width, width).ToArray();
            for (var k = 0; k < width; k++)
            {
                Assert.Equal(values[k], row[k], 1e-6);
            }
        }
    }

    [Fact]
    public void Export_writes_the_onnx_file_and_a_card_with_hashes_shapes_and_metadata()
    {
        using var model = NewModel(seed: 2);
        var schema = CnnTestData.Schema;
        var validation = new ModelMetrics(0.9, 0.4, [new ClassMetrics("1m", "high", 0.5, 0.3, 0.375, 10)]);
        var info = new CnnCardInfo("cnn-test", "20241002T000000Z", DateTimeOffset.Parse("2024-10-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture),
            PivotLabelSettings.Default, new TrainingDataInfo(["ETHUSDT", "BTCUSDT"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), new string('a', 64), 70, 15, 15),
            validation, validation, 0.4, [new EpochMetrics(1, 1.1, 0.9, 0.4, 2.0, 0.001)], ["1s labels absent"]);
        var path = Path.Combine(_dir, "cnn-test.onnx");

        var card = CnnOnnxExporter.Export(model, schema, info, path);

        var bytes = File.ReadAllBytes(path);
        Assert.InRange(bytes.Length, 10_000, 3_000_000);
        var read = ModelCard.Read(Path.Combine(_dir, "cnn-test.json"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), read.OnnxSha256);
        Assert.Equal(card.OnnxSha256, read.OnnxSha256);
        Assert.Equal("cnn-test", read.Name);
        Assert.Equal(ModelKinds.Cnn, read.Kind);
        Assert.Equal(InputKinds.Frame, read.InputKind);
        Assert.Equal(17, read.Opset);
        Assert.Equal(schema.Hash, read.FeatureSchemaHash);
        Assert.Equal(Codes, read.Timeframes);
        Assert.Equal("probs_1h", read.ProbabilityOutputs["1h"]);
        Assert.Equal("confidence", read.ConfidenceOutput);
        Assert.Equal("hidden", read.HiddenOutput);
        Assert.Equal([-1L, 2, 4, 32, 43], read.Inputs.Single(i => i.Name == "frame").Shape);
        Assert.Equal([-1L, 3], read.Outputs.Single(o => o.Name == "probs_1d").Shape);
        Assert.Equal([-1L, 4], read.Outputs.Single(o => o.Name == "confidence").Shape);
        Assert.Equal([-1L, 48], read.Outputs.Single(o => o.Name == "hidden").Shape);
        Assert.Equal(0.4, read.GateScore);
        Assert.Equal(new string('a', 64), read.Data.Sha256);
        Assert.Equal(0.375, read.Validation!.Classes.Single().F1);
        Assert.Single(read.Epochs);
        Assert.StartsWith("TradingDashboard.Trainer ", read.TrainerVersion, StringComparison.Ordinal);
        Assert.Contains("1s labels absent", read.Notes);

        // The ONNX metadata carries the card (without the file's own hash) and the schema hash.
        using var session = new InferenceSession(bytes);
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.Equal(schema.Hash, metadata[CnnOnnxExporter.SchemaHashMetadataKey]);
        var embedded = ModelCard.FromJson(metadata[ModelCard.MetadataKey]);
        Assert.Null(embedded.OnnxSha256);
        Assert.Equal((read with { OnnxSha256 = null }).ToJson(), embedded.ToJson());
    }

    internal static PivotCnn NewModel(int seed)
    {
        torch.random.manual_seed(seed);
        var s = CnnTestData.Schema;
        var model = new PivotCnn(new PivotCnnShape(s.Symbols.Count, s.Timeframes.Count, s.WindowLength, s.FeatureCount));
        model.eval();
        return model;
    }

    private static float[] RandomFrames(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count * CnnTestData.Schema.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * scale;
        }

        return values;
    }

    private static void AssertParity(PivotCnn model, float[] input, int count)
    {
        var torchOut = model.Predict(input, count);
        var proto = CnnOnnxExporter.BuildModel(model, Codes, new Dictionary<string, string>());
        using var session = new InferenceSession(proto.ToByteArray());
        var onnx = RunOnnx(session, input, count);

        var worst = 0.0;
        for (var t = 0; t < 4; t++)
        {
            var probs = onnx["probs_" + Codes[t]].Values;
            for (var n = 0; n < count; n++)
            {
                for (var c = 0; c < 3; c++)
                {
                    worst = Math.Max(worst, Math.Abs(torchOut.Probabilities[(((n * 4) + t) * 3) + c] - probs[(n * 3) + c]));
                }
            }
        }

        worst = Math.Max(worst, MaxDifference(torchOut.Confidence, onnx["confidence"].Values));
        worst = Math.Max(worst, MaxDifference(torchOut.Hidden, onnx["hidden"].Values));
        Assert.InRange(worst, 0, 1e-5);
        // The outputs are not trivially equal (e.g. all zero): probabilities sum to 1 and the hidden state varies.
        Assert.Equal(1.0, onnx["probs_1m"].Values.Take(3).Sum(), 1e-5);
        Assert.True(onnx["hidden"].Values.Distinct().Count() > 10);
    }

    private static double MaxDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        return a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
    }

    internal static Dictionary<string, (float[] Values, long[] Shape)> RunOnnx(InferenceSession session, float[] input, int count)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(input, [count, 2, 4, 32, 43]);
        using var options = new RunOptions();
        var names = session.OutputNames.ToArray();
        using var results = session.Run(options, ["frame"], [value], names);
        var outputs = new Dictionary<string, (float[], long[])>(StringComparer.Ordinal);
        for (var i = 0; i < names.Length; i++)
        {
            outputs[names[i]] = (results[i].GetTensorDataAsSpan<float>().ToArray(), results[i].GetTensorTypeAndShape().Shape);
        }

        return outputs;
    }
}
