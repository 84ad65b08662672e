using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Onnx;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 4 target: CNN inference at batch 1 on the CPU, p50 under 1 ms and p99 under 3 ms. The model has the real size:
/// input [1, 2, 4, 32, 43] (2 symbols x 4 timeframes x 32 bars x 43 features), two 1-D convolutions over the window
/// (344 -> 32 -> 48 channels, kernel 3), a GRU of 48, four softmax heads, a confidence head and the 48-wide hidden state,
/// built here with OnnxSharp (random weights: the cost does not depend on their values), or onnx/cnn-pivot.onnx when a
/// trained one is shipped beside its card. It runs through <see cref="OnnxPivotModel.Predict"/>, as the inference stage
/// calls it. Each iteration is one call, so the percentiles are over single calls.
/// </summary>
[Config(typeof(PerCallLatencyConfig))]
[MemoryDiagnoser]
public class CnnInferenceBenchmarks
{
    private string _folder = string.Empty;
    private IPivotModel _model = null!;
    private FeatureFrame _frame = null!;

    [GlobalSetup]
    public void Setup()
    {
        var schema = new FeatureSchema(new FeatureSettings
        {
            Symbols = ["ETHUSDT", "BTCUSDT"],
            Timeframes = [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay],
        });
        _folder = Path.Combine(Path.GetTempPath(), "td-bench-cnn", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        var (path, card) = ShippedModel(schema) ?? CnnShapedModel.Write(_folder, schema);
        var options = Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 });
        var factory = new OnnxPivotModelFactory(new OnnxSessionFactory(options, NullLogger<OnnxSessionFactory>.Instance), RunningFeatureSchema.Fixed(schema));
        _model = factory.Load(path, card);

#pragma warning disable CA5394 // Benchmark input, not security.
        var random = new Random(42);
        var values = Enumerable.Range(0, schema.Length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
#pragma warning restore CA5394
        _frame = new FeatureFrame("ETHUSDT", 1_700_000_040_000, Timeframe.OneMinute, schema.Hash, values,
            Enumerable.Repeat((byte)1, schema.Length).ToArray(), Enumerable.Repeat(true, 8).ToList());
        Console.WriteLine($"// model {card.Name}, input [1, {string.Join(", ", schema.Shape)}] ({(path.StartsWith(_folder, StringComparison.Ordinal) ? "built for the benchmark" : path)}) on {_model.ExecutionProvider}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(Description = "CNN predict, batch 1, CPU")]
    public CNNPrediction PredictBatch1() => _model.Predict(_frame);

    /// <summary>The shipped model when there is one for this schema (onnx/cnn-pivot.onnx under the repository root).</summary>
    private static (string Path, ModelCard Card)? ShippedModel(FeatureSchema schema)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var onnx = Path.Combine(dir.FullName, "onnx", "cnn-pivot.onnx");
            var json = Path.ChangeExtension(onnx, ".json");
            if (File.Exists(Path.Combine(dir.FullName, "TradingDashboard.sln")))
            {
                if (File.Exists(onnx) && File.Exists(json) && ModelCard.Read(json) is { } card && card.FeatureSchemaHash == schema.Hash)
                {
                    return (onnx, card);
                }

                return null;
            }
        }

        return null;
    }
}

/// <summary>
/// One call per iteration (so the percentiles describe single calls), 1000 of them, with p50 and p99 columns. In process:
/// a separate benchmark build copies ONNX Runtime's native libraries (300 MB) again and timed out on 2 shared cores.
/// </summary>
public class PerCallLatencyConfig : ManualConfig
{
    public PerCallLatencyConfig()
    {
        AddJob(Job.Default.WithInvocationCount(1).WithUnrollFactor(1).WithWarmupCount(100).WithIterationCount(1000)
            .WithToolchain(InProcessEmitToolchain.Instance).WithId("per-call"));
        AddColumn(new PercentileColumn(50), new PercentileColumn(99), StatisticColumn.Max);
    }
}

/// <summary>A percentile of the measured iterations, in microseconds.</summary>
public class PercentileColumn(int percentile) : IColumn
{
    public string Id => $"P{percentile}";

    public string ColumnName => $"P{percentile} (us)";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Statistics;

    public int PriorityInCategory => 10 + percentile;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{percentile}th percentile of single-call times, microseconds";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var statistics = summary[benchmarkCase]?.ResultStatistics;
        return statistics is null ? "NA" : (statistics.Percentiles.Percentile(percentile) / 1000.0).ToString("0.0", CultureInfo.InvariantCulture);
    }

    public override string ToString() => ColumnName;
}

/// <summary>Writes a CNN-shaped pivot model (ONNX opset 17, dynamic batch) with its card.</summary>
internal static class CnnShapedModel
{
    private const int Conv1 = 32;
    private const int Conv2 = 48;
    private const int Hidden = 48;

    public static (string Path, ModelCard Card) Write(string folder, FeatureSchema schema)
    {
        var (s, t, w, f) = (schema.Shape[0], schema.Shape[1], schema.Shape[2], schema.Shape[3]);
        var channels = s * t * f;
        string[] timeframes = schema.Timeframes.Select(tf => tf.ToCode()).ToArray();
#pragma warning disable CA5394 // Weights of a benchmark model, not security.
        var random = new Random(7);
        float[] Weights(int count, double fanIn) => Enumerable.Range(0, count).Select(_ => (float)(((random.NextDouble() * 2) - 1) / Math.Sqrt(fanIn))).ToArray();
#pragma warning restore CA5394

        var graph = new GraphProto { Name = "cnn-bench" };
        graph.Input.Add(Value("frame", [-1, s, t, w, f]));

        // [N, S, T, W, F] -> [N, S, T, F, W] -> [N, S*T*F, W]: channels are (symbol, timeframe, feature), length is the window.
        graph.Node.Add(Node("Transpose", ["frame"], ["frame_t"], Ints("perm", 0, 1, 2, 4, 3)));
        graph.Initializer.Add(Int64Tensor("seq_shape", [0, channels, w]));
        graph.Node.Add(Node("Reshape", ["frame_t", "seq_shape"], ["seq"]));
        graph.Initializer.Add(FloatTensor("conv1_w", [Conv1, channels, 3], Weights(Conv1 * channels * 3, channels * 3)));
        graph.Initializer.Add(FloatTensor("conv1_b", [Conv1], new float[Conv1]));
        graph.Node.Add(Node("Conv", ["seq", "conv1_w", "conv1_b"], ["c1"], Ints("kernel_shape", 3), Ints("pads", 1, 1)));
        graph.Node.Add(Node("Relu", ["c1"], ["r1"]));
        graph.Initializer.Add(FloatTensor("conv2_w", [Conv2, Conv1, 3], Weights(Conv2 * Conv1 * 3, Conv1 * 3)));
        graph.Initializer.Add(FloatTensor("conv2_b", [Conv2], new float[Conv2]));
        graph.Node.Add(Node("Conv", ["r1", "conv2_w", "conv2_b"], ["c2"], Ints("kernel_shape", 3), Ints("pads", 1, 1)));
        graph.Node.Add(Node("Relu", ["c2"], ["r2"]));

        // [N, C, W] -> [W, N, C] for the GRU; its last hidden state [1, N, H] -> [N, H].
        graph.Node.Add(Node("Transpose", ["r2"], ["gru_in"], Ints("perm", 2, 0, 1)));
        graph.Initializer.Add(FloatTensor("gru_w", [1, 3 * Hidden, Conv2], Weights(3 * Hidden * Conv2, Hidden)));
        graph.Initializer.Add(FloatTensor("gru_r", [1, 3 * Hidden, Hidden], Weights(3 * Hidden * Hidden, Hidden)));
        graph.Initializer.Add(FloatTensor("gru_b", [1, 6 * Hidden], new float[6 * Hidden]));
        graph.Node.Add(Node("GRU", ["gru_in", "gru_w", "gru_r", "gru_b"], ["gru_y", "gru_h"], Int("hidden_size", Hidden), Int("linear_before_reset", 1)));
        graph.Initializer.Add(Int64Tensor("squeeze_axes", [0]));
        graph.Node.Add(Node("Squeeze", ["gru_h", "squeeze_axes"], ["hidden"]));
        graph.Output.Add(Value("hidden", [-1, Hidden]));

        var probabilityOutputs = new Dictionary<string, string>();
        foreach (var tf in timeframes)
        {
            graph.Initializer.Add(FloatTensor($"head_{tf}_w", [Hidden, 3], Weights(Hidden * 3, Hidden)));
            graph.Initializer.Add(FloatTensor($"head_{tf}_b", [3], new float[3]));
            graph.Node.Add(Node("Gemm", ["hidden", $"head_{tf}_w", $"head_{tf}_b"], [$"logits_{tf}"]));
            graph.Node.Add(Node("Softmax", [$"logits_{tf}"], [$"probs_{tf}"], Int("axis", 1)));
            graph.Output.Add(Value($"probs_{tf}", [-1, 3]));
            probabilityOutputs[tf] = $"probs_{tf}";
        }

        graph.Initializer.Add(FloatTensor("conf_w", [Hidden, timeframes.Length], Weights(Hidden * timeframes.Length, Hidden)));
        graph.Initializer.Add(FloatTensor("conf_b", [timeframes.Length], new float[timeframes.Length]));
        graph.Node.Add(Node("Gemm", ["hidden", "conf_w", "conf_b"], ["conf_logits"]));
        graph.Node.Add(Node("Sigmoid", ["conf_logits"], ["confidence"]));
        graph.Output.Add(Value("confidence", [-1, timeframes.Length]));

        var model = new ModelProto { IrVersion = 8, ProducerName = "TradingDashboard.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        var path = Path.Combine(folder, "cnn-bench.onnx");
        File.WriteAllBytes(path, model.ToByteArray());

        var outputs = probabilityOutputs.Values.Select(o => new TensorSpec(o, "float32", [-1, 3])).ToList();
        outputs.Add(new TensorSpec("confidence", "float32", [-1, timeframes.Length]));
        outputs.Add(new TensorSpec("hidden", "float32", [-1, Hidden]));
        var card = new ModelCard
        {
            Name = "cnn-bench",
            Kind = ModelKinds.Cnn,
            Version = "benchmark",
            CreatedUtc = DateTimeOffset.UnixEpoch,
            TrainerVersion = "benchmark",
            FeatureSchemaHash = schema.Hash,
            Opset = 17,
            InputKind = InputKinds.Frame,
            Inputs = [new TensorSpec("frame", "float32", [-1, s, t, w, f])],
            Outputs = outputs,
            Timeframes = timeframes,
            ProbabilityOutputs = probabilityOutputs,
            ConfidenceOutput = "confidence",
            HiddenOutput = "hidden",
            Labels = PivotLabelSettings.Default,
            Data = new TrainingDataInfo(schema.Symbols, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new string('0', 64), 0, 0, 0),
            GateScore = 0,
        };
        return (path, card);
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = outputs[0] + "_" + op };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static TensorProto FloatTensor(string name, long[] dims, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    private static TensorProto Int64Tensor(string name, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static ValueInfoProto Value(string name, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
