using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 4 target: CNN inference at batch 1 on the CPU, p50 under 1 ms and p99 under 3 ms. The model has the real size:
/// input [1, 2, 4, 32, 43] (2 symbols x 4 timeframes x 32 bars x 43 features), two 1-D convolutions over the window
/// convolutions over the window, a GRU, four softmax heads, a confidence head and the hidden state: the shipped
/// onnx/cnn-pivot.onnx with its card. It runs through <see cref="OnnxPivotModel.Predict"/>, as the inference stage calls it.
/// Each iteration is one call, so the percentiles are over single calls.
/// </summary>
[Config(typeof(PerCallLatencyConfig))]
[MemoryDiagnoser]
public class CnnInferenceBenchmarks
{
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
        var (path, card) = ShippedModel(schema)
            ?? throw new InvalidOperationException("onnx/cnn-pivot.onnx with a card for the default feature schema was not found above the benchmark binaries.");
        var options = Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 });
        var factory = new OnnxPivotModelFactory(new OnnxSessionFactory(options, NullLogger<OnnxSessionFactory>.Instance), RunningFeatureSchema.Fixed(schema));
        _model = factory.Load(path, card);

#pragma warning disable CA5394 // Benchmark input, not security.
        var random = new Random(42);
        var values = Enumerable.Range(0, schema.Length).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
#pragma warning restore CA5394
        _frame = new FeatureFrame("ETHUSDT", 1_700_000_040_000, Timeframe.OneMinute, schema.Hash, values,
            Enumerable.Repeat((byte)1, schema.Length).ToArray(), Enumerable.Repeat(true, 8).ToList());
        Console.WriteLine($"// model {card.Name}, input [1, {string.Join(", ", schema.Shape)}] ({path}) on {_model.ExecutionProvider}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _model.Dispose();
    }

    [Benchmark(Description = "CNN predict, batch 1, CPU")]
    public CNNPrediction PredictBatch1() => _model.Predict(_frame);

    /// <summary>The shipped model when there is one for this schema (onnx/cnn-pivot.onnx under the repository root).</summary>
    private static (string Path, ModelCard Card)? ShippedModel(FeatureSchema schema)
    {
        if (Core.Configuration.RepositoryRoot.Find(AppContext.BaseDirectory) is not { } root)
        {
            return null;
        }

        var onnx = Path.Combine(root, "onnx", "cnn-pivot.onnx");
        var json = Path.ChangeExtension(onnx, ".json");
        return File.Exists(onnx) && File.Exists(json) && ModelCard.Read(json) is { } card && card.FeatureSchemaHash == schema.Hash
            ? (onnx, card)
            : null;
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
