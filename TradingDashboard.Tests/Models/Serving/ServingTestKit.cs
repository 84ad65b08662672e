using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Onnx;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Tests.Components.Fakes;
using TradingDashboard.Tests.Exchanges;
using TradingDashboard.Tests.Pipeline;
using static TradingDashboard.Trainer.Onnx.OnnxProto;

namespace TradingDashboard.Tests.Models.Serving;

/// <summary>
/// Weights of a tiny pivot model built as ONNX in the test: x = the frame averaged over the window and flattened
/// [s][t][f] (or, for a frame-summary model, the summary itself); per head p = softmax(x·W + b); confidence =
/// sigmoid(x·Wc + bc); hidden = tanh(x·Wh + bh). <see cref="Forward"/> computes the same in plain C# for the tests.
/// </summary>
internal sealed record TinyModel(string InputKind, int InputLength, string[] Timeframes, float[][] HeadWeights, float[][] HeadBiases, float[]? ConfidenceWeights, float[]? ConfidenceBias, float[]? HiddenWeights, float[]? HiddenBias, int HiddenSize)
{
    public (float[][] Probabilities, float[]? Confidence, float[]? Hidden) Forward(float[] x)
    {
        var probabilities = HeadWeights.Select((w, h) => Softmax(Affine(x, w, HeadBiases[h], 3))).ToArray();
        var confidence = ConfidenceWeights is null ? null : Affine(x, ConfidenceWeights, ConfidenceBias!, Timeframes.Length).Select(v => 1f / (1f + MathF.Exp(-v))).ToArray();
        var hidden = HiddenWeights is null ? null : Affine(x, HiddenWeights, HiddenBias!, HiddenSize).Select(MathF.Tanh).ToArray();
        return (probabilities, confidence, hidden);
    }

    private static float[] Affine(float[] x, float[] w, float[] b, int width)
    {
        var y = new float[width];
        for (var j = 0; j < width; j++)
        {
            double sum = b[j];
            for (var i = 0; i < x.Length; i++)
            {
                sum += x[i] * w[(i * width) + j];
            }

            y[j] = (float)sum;
        }

        return y;
    }

    private static float[] Softmax(float[] z)
    {
        var max = z.Max();
        var e = z.Select(v => Math.Exp(v - max)).ToArray();
        var sum = e.Sum();
        return e.Select(v => (float)(v / sum)).ToArray();
    }
}

/// <summary>Builds tiny ONNX pivot models with their cards, a small feature schema, and a registry over a temp folder.</summary>
internal static class ServingTestKit
{
    public const string Symbol = "ETHUSDT";

    /// <summary>Two symbols, 1m and 1h, window 4, no indicators: 20 features per bar, frames of 2 x 2 x 4 x 20 values.</summary>
    public static FeatureSchema Schema { get; } = new(new FeatureSettings
    {
        Symbols = [Symbol, "BTCUSDT"],
        Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
        OptionalTimeframes = [],
        AnchorTimeframe = Timeframe.OneMinute,
        WindowLength = 4,
        Indicators = [],
    });

    /// <summary>The same layout with another window: another hash.</summary>
    public static FeatureSchema OtherSchema { get; } = new(Schema.Settings with { WindowLength = 5 });

    /// <summary>Writes NAME.onnx and NAME.json into <paramref name="folder"/>; returns the ONNX path and the weights.</summary>
    public static (string Path, TinyModel Model, ModelCard Card) WriteCnn(
        string folder,
        string name,
        double gateScore,
        int seed = 1,
        FeatureSchema? schema = null,
        bool nanBias = false,
        int? featuresInFile = null,
        Func<ModelCard, ModelCard>? editCard = null)
    {
        schema ??= Schema;
        var s = schema.Symbols.Count;
        var t = schema.Timeframes.Count;
        var f = featuresInFile ?? schema.FeatureCount;
        var d = s * t * f;
        string[] timeframes = ["1m", "1h"];
        var random = new Random(seed);
        var model = new TinyModel(
            InputKinds.Frame,
            d,
            timeframes,
            timeframes.Select(_ => Weights(random, d * 3, 0.05f)).ToArray(),
            timeframes.Select(_ => nanBias ? [float.NaN, 0f, 0f] : Weights(random, 3, 0.5f)).ToArray(),
            Weights(random, d * timeframes.Length, 0.05f),
            Weights(random, timeframes.Length, 0.5f),
            Weights(random, d * 6, 0.05f),
            Weights(random, 6, 0.5f),
            6);

        var graph = new GraphProto { Name = name };
        graph.Input.Add(Value("frame", [-1, s, t, schema.WindowLength, f]));
        graph.Node.Add(Node("ReduceMean", ["frame"], ["mean"], Ints("axes", 3), Int("keepdims", 0)));
        graph.Node.Add(Node("Flatten", ["mean"], ["x"], Int("axis", 1)));
        AddHeads(graph, model, "x");
        var path = Path.Combine(folder, name + ".onnx");
        Write(graph, path);
        var card = Card(name, ModelKinds.Cnn, InputKinds.Frame, schema, gateScore, path, timeframes,
            [new TensorSpec("frame", "float32", [-1, s, t, schema.WindowLength, f])],
            confidence: "confidence", hidden: "hidden", hiddenSize: 6);
        card = editCard?.Invoke(card) ?? card;
        card.Write(Path.ChangeExtension(path, ".json"));
        return (path, model, card);
    }

    /// <summary>A FastTree-kind model: input "Features" [batch, summary length] and an ML.NET-style "Label" [batch, 1]; one head "Score.output".</summary>
    public static (string Path, TinyModel Model, ModelCard Card) WriteFastTree(string folder, string name, string timeframe, double gateScore, int seed = 7)
    {
        var schema = Schema;
        var length = FrameSummaryFeatures.Length(schema.Symbols.Count, schema.Timeframes.Count, schema.FeatureCount);
        var random = new Random(seed);
        var model = new TinyModel(InputKinds.FrameSummary, length, [timeframe], [Weights(random, length * 3, 0.05f)], [Weights(random, 3, 0.5f)], null, null, null, null, 0);
        var graph = new GraphProto { Name = name };
        graph.Input.Add(Value("Features", [-1, length]));
        graph.Input.Add(Value("Label", [-1, 1]));
        graph.Initializer.Add(Tensor("zero", [1], [0f]));
        graph.Node.Add(Node("Mul", ["Label", "zero"], ["label0"]));
        graph.Initializer.Add(Tensor("w0", [length, 3], model.HeadWeights[0]));
        graph.Initializer.Add(Tensor("b0", [3], model.HeadBiases[0]));
        graph.Node.Add(Node("Gemm", ["Features", "w0", "b0"], ["z0"]));
        graph.Node.Add(Node("Add", ["z0", "label0"], ["logits0"]));
        graph.Node.Add(Node("Softmax", ["logits0"], ["Score.output"], Int("axis", 1)));
        graph.Output.Add(Value("Score.output", [-1, 3]));
        var path = Path.Combine(folder, name + ".onnx");
        Write(graph, path);
        var card = Card(name, ModelKinds.FastTree, InputKinds.FrameSummary, schema, gateScore, path, [timeframe],
            [new TensorSpec("Features", "float32", [-1, length]), new TensorSpec("Label", "float32", [-1, 1])],
            confidence: null, hidden: null, hiddenSize: 0, probabilityOutputs: new Dictionary<string, string> { [timeframe] = "Score.output" });
        card.Write(Path.ChangeExtension(path, ".json"));
        return (path, model, card);
    }

    /// <summary>A frame of the schema with deterministic values in ±2 (the primary's 1h block optionally masked out).</summary>
    public static FeatureFrame Frame(int seed, long anchorOpenTimeMs = 1_700_000_040_000, FeatureSchema? schema = null, float scale = 2f)
    {
        schema ??= Schema;
        var random = new Random(seed);
        var values = Enumerable.Range(0, schema.Length).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
        var mask = Enumerable.Repeat((byte)1, schema.Length).ToArray();
        return new FeatureFrame(Symbol, anchorOpenTimeMs, Timeframe.OneMinute, schema.Hash, values, mask,
            Enumerable.Repeat(true, schema.Symbols.Count * schema.Timeframes.Count).ToList());
    }

    /// <summary>
    /// A frame every value of which is float.MaxValue (far outside the clip range): the CNN's window sum overflows to
    /// infinity and its softmax gives NaN, a run-time failure of an otherwise valid model.
    /// </summary>
    public static FeatureFrame OverflowFrame(long anchorOpenTimeMs = 1_700_000_100_000) =>
        Frame(seed: 0, anchorOpenTimeMs) with { Values = Enumerable.Repeat(float.MaxValue, Schema.Length).ToArray() };

    /// <summary>The CNN's x: the frame averaged over the window, flattened [symbol][timeframe][feature].</summary>
    public static float[] WindowMean(FeatureFrame frame, FeatureSchema schema)
    {
        var f = schema.FeatureCount;
        var w = schema.WindowLength;
        var blocks = schema.Symbols.Count * schema.Timeframes.Count;
        var x = new float[blocks * f];
        for (var b = 0; b < blocks; b++)
        {
            for (var j = 0; j < f; j++)
            {
                double sum = 0;
                for (var k = 0; k < w; k++)
                {
                    sum += frame.Values[(b * w * f) + (k * f) + j];
                }

                x[(b * f) + j] = (float)(sum / w);
            }
        }

        return x;
    }

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public static ModelsOptions Options(string folder, bool useCuda = false) => new()
    {
        Directory = folder,
        UseCuda = useCuda,
        ValidationFrames = 4,
        WatchForNewModels = false,
    };

    private static ModelCard Card(
        string name, string kind, string inputKind, FeatureSchema schema, double gateScore, string onnxPath, string[] timeframes,
        IReadOnlyList<TensorSpec> inputs, string? confidence, string? hidden, int hiddenSize, IReadOnlyDictionary<string, string>? probabilityOutputs = null)
    {
        probabilityOutputs ??= timeframes.ToDictionary(tf => tf, tf => $"probs_{tf}");
        var outputs = probabilityOutputs.Values.Select(o => new TensorSpec(o, "float32", [-1, 3])).ToList();
        if (confidence is not null)
        {
            outputs.Add(new TensorSpec(confidence, "float32", [-1, timeframes.Length]));
        }

        if (hidden is not null)
        {
            outputs.Add(new TensorSpec(hidden, "float32", [-1, hiddenSize]));
        }

        return new ModelCard
        {
            Name = name,
            Kind = kind,
            Version = "20260101T0000Z",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            TrainerVersion = "tests",
            FeatureSchemaHash = schema.Hash,
            Opset = 17,
            InputKind = inputKind,
            Inputs = inputs,
            Outputs = outputs,
            Timeframes = timeframes,
            ProbabilityOutputs = probabilityOutputs,
            ConfidenceOutput = confidence,
            HiddenOutput = hidden,
            Labels = PivotLabelSettings.Default,
            Data = new TrainingDataInfo([Symbol], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new string('0', 64), 1, 1, 1),
            GateScore = gateScore,
            OnnxSha256 = Sha256(onnxPath),
        };
    }

    private static void AddHeads(GraphProto graph, TinyModel model, string x)
    {
        for (var h = 0; h < model.Timeframes.Length; h++)
        {
            var tf = model.Timeframes[h];
            graph.Initializer.Add(Tensor($"w_{tf}", [model.InputLength, 3], model.HeadWeights[h]));
            graph.Initializer.Add(Tensor($"b_{tf}", [3], model.HeadBiases[h]));
            graph.Node.Add(Node("Gemm", [x, $"w_{tf}", $"b_{tf}"], [$"logits_{tf}"]));
            graph.Node.Add(Node("Softmax", [$"logits_{tf}"], [$"probs_{tf}"], Int("axis", 1)));
            graph.Output.Add(Value($"probs_{tf}", [-1, 3]));
        }

        graph.Initializer.Add(Tensor("w_conf", [model.InputLength, model.Timeframes.Length], model.ConfidenceWeights!));
        graph.Initializer.Add(Tensor("b_conf", [model.Timeframes.Length], model.ConfidenceBias!));
        graph.Node.Add(Node("Gemm", [x, "w_conf", "b_conf"], ["conf_logits"]));
        graph.Node.Add(Node("Sigmoid", ["conf_logits"], ["confidence"]));
        graph.Output.Add(Value("confidence", [-1, model.Timeframes.Length]));
        graph.Initializer.Add(Tensor("w_hidden", [model.InputLength, model.HiddenSize], model.HiddenWeights!));
        graph.Initializer.Add(Tensor("b_hidden", [model.HiddenSize], model.HiddenBias!));
        graph.Node.Add(Node("Gemm", [x, "w_hidden", "b_hidden"], ["hidden_pre"]));
        graph.Node.Add(Node("Tanh", ["hidden_pre"], ["hidden"]));
        graph.Output.Add(Value("hidden", [-1, model.HiddenSize]));
    }

    private static void Write(GraphProto graph, string path)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "TradingDashboard.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        File.WriteAllBytes(path, model.ToByteArray());
    }

    private static float[] Weights(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();

    private static TensorProto Tensor(string name, long[] dims, float[] values) => Floats(name, values, dims);

    private static ValueInfoProto Value(string name, long[] dims) => FloatValue(name, dims);
}

/// <summary>A registry over a temp folder with the test schema, a fake processor, in-memory alerts and audit log.</summary>
internal sealed class RegistryFixture : IDisposable
{
    public RegistryFixture(bool useCuda = false)
    {
        Folder = Path.Combine(Path.GetTempPath(), "td-serving-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Options = ServingTestKit.Options(Folder, useCuda);
        Alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        Sessions = new OnnxSessionFactory(Microsoft.Extensions.Options.Options.Create(Options), SessionLog);
        var schema = RunningFeatureSchema.Fixed(ServingTestKit.Schema);
        Registry = new ModelRegistry(
            new OnnxPivotModelFactory(Sessions, schema),
            schema,
            Processor,
            new ModelsFolder(Folder),
            Microsoft.Extensions.Options.Options.Create(Options),
            Alerts,
            Audit,
            Time,
            NullLogger<ModelRegistry>.Instance);
    }

    public string Folder { get; }

    public ModelsOptions Options { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeDataProcessorState Processor { get; } = new() { Schema = ServingTestKit.Schema };

    public AlertService Alerts { get; }

    public InMemoryAuditLog Audit { get; } = new();

    public ListLogger<OnnxSessionFactory> SessionLog { get; } = new();

    public OnnxSessionFactory Sessions { get; }

    public ModelRegistry Registry { get; }

    public void Dispose()
    {
        Registry.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
