using BenchmarkDotNet.Attributes;
using TorchSharp;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// CNN training throughput: one epoch (forward, weighted loss, backward, Adam step) of the default-size PivotCnn over
/// <see cref="Frames"/> synthetic frames of the host's schema [2, 4, 32, 43] in batches of 64, with 1 and 2 torch threads.
/// Samples per second = Frames / mean time (OperationsPerInvoke = Frames, so the per-operation time is per sample).
/// </summary>
public class CnnTrainingBenchmarks
{
    public const int Frames = 512;

    private PivotDataset _dataset = null!;
    private PivotCnn _model = null!;
    private torch.optim.Optimizer _optimizer = null!;
    private torch.Tensor _classWeights = null!;
    private CnnTrainer _trainer = null!;
    private int[] _order = [];

    [Params(1, 2)]
    public int Threads { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        TorchNativeLoader.EnsureLoaded();
        var schema = new FeatureSchema(PivotDatasetBuilder.DefaultFeatures(["ETHUSDT", "BTCUSDT"]));
        var random = new Random(1);
        var values = new float[Frames * schema.Length];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        var labels = new sbyte[Frames * 4];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 4 == 0 ? (sbyte)-1 : (sbyte)random.Next(3);
        }

        _dataset = new PivotDataset(schema, PivotLabelSettings.Default, values, labels, Enumerable.Range(0, Frames).Select(i => i * 60_000L).ToArray());
        var options = new CnnTrainingOptions { Threads = Threads, BatchSize = 64 };
        _trainer = new CnnTrainer(options, TimeProvider.System);
        torch.set_num_threads(Threads);
        torch.random.manual_seed(1);
        _model = new PivotCnn(new PivotCnnShape(schema.Symbols.Count, schema.Timeframes.Count, schema.WindowLength, schema.FeatureCount));
        _optimizer = torch.optim.Adam(_model.parameters(), 1e-3);
        _classWeights = _trainer.ClassWeights(_dataset);
        _order = Enumerable.Range(0, Frames).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _classWeights.Dispose();
        _optimizer.Dispose();
        _model.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public double TrainEpoch() => _trainer.TrainEpoch(_model, _optimizer, _dataset, _order, _classWeights, CancellationToken.None);
}
