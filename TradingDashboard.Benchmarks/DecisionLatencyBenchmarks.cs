using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 6 target: end-to-end decision latency on the CPU from a bar close to the <see cref="TradingAction"/>, p99 under
/// 5 ms. One iteration is one real minute close of ETHUSDT and BTCUSDT (2024-11-01 on, after a month of real 1m, 1h and
/// 1d history as warm-up): the data processor takes the closed bars (indicators, pivots, the feature frame), the shipped
/// CNN and both FastTree models predict on the new frame, and the orchestrator decides for each symbol with the rule,
/// CNN, FastTree and RL experts (the shipped 1h DQN policy: it runs its network at hour closes and holds that vote
/// between them) weighed by the shipped trained gate. Shipped models: onnx/cnn-pivot, onnx/fasttree-1m|1h, onnx/rl,
/// onnx/gate. One call per iteration (<see cref="PerCallLatencyConfig"/>), so the percentiles are per bar close.
/// </summary>
[Config(typeof(PerCallLatencyConfig))]
[MemoryDiagnoser]
public class DecisionLatencyBenchmarks
{
    private static readonly string[] Symbols = ["ETHUSDT", "BTCUSDT"];
    private static readonly long WarmupEndMs = new DateTimeOffset(2024, 11, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly ProcessorOutput _output = new();
    private readonly List<IPivotModel> _models = [];
    private DataProcessor _processor = null!;
    private LatestPredictions _predictions = null!;
    private Orchestrator _orchestrator = null!;
    private OnnxRlPolicy _policy = null!;
    private OnnxGate _gate = null!;
    private OHLCVBar[][] _closes = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var root = RepositoryRoot.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root (with onnx/) not found above the benchmark binaries.");
        var models = Path.Combine(root, "onnx");
        var klines = Path.Combine(BenchmarkData.RequireDataRoot(), "binance", "spot", "klines");
        var features = PivotDatasetBuilder.DefaultFeatures(Symbols);
        _processor = new DataProcessor(new DataProcessorSettings { Symbols = features.Symbols, Timeframes = features.Timeframes, Features = features, Pivots = features.Pivots, HistoryBars = 0 });

        var from = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var bars = BenchmarkData.RealEthBtc1m()
            .Concat(Symbols.SelectMany(s => Read(klines, "1h", s, Timeframe.OneHour).Concat(Read(klines, "1d", s, Timeframe.OneDay))))
            .Where(b => b.OpenTimeMs >= from && b.OpenTimeMs < new DateTimeOffset(2024, 11, 4, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds())
            .OrderBy(b => b.CloseTimeMs).ThenBy(b => b.Timeframe).ThenBy(b => Array.IndexOf(Symbols, b.Symbol))
            .ToList();
        foreach (var bar in bars.Where(b => b.CloseTimeMs < WarmupEndMs))
        {
            _output.Clear();
            _processor.Process(bar, _output);
        }

        // One group per minute close: every bar (1m, and 1h/1d at their boundaries) that closes at that moment.
        _closes = bars.Where(b => b.CloseTimeMs >= WarmupEndMs).GroupBy(b => b.CloseTimeMs).Select(g => g.ToArray()).ToArray();

        var sessions = new OnnxSessionFactory(Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance);
        var factory = new OnnxPivotModelFactory(sessions, RunningFeatureSchema.Fixed(_processor.Schema));
        var slots = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (slot, file) in new[] { (ModelKinds.Cnn, "cnn-pivot"), ("fasttree-1m", "fasttree-1m"), ("fasttree-1h", "fasttree-1h") })
        {
            var onnx = Path.Combine(models, file + ".onnx");
            var card = ModelCard.Read(Path.ChangeExtension(onnx, ".json"));
            _models.Add(factory.Load(onnx, card));
            slots[slot] = card.Name;
        }

        _predictions = new LatestPredictions(slots, 120);
        var policyPath = Directory.EnumerateFiles(Path.Combine(models, "rl"), "*.onnx").Order(StringComparer.Ordinal).First();
        _policy = OnnxRlPolicy.Load(policyPath, sessions);
        _gate = OnnxGate.Load(Path.Combine(models, TrainedGate.FolderName, "gate.onnx"), sessions);
        var options = new OrchestratorOptions();
        IExpert[] experts =
        [
            new RuleExpert(new PivotBreakoutStrategy(Symbols, new PivotBreakoutSettings(2, 14, Timeframe.OneMinute))),
            new CnnExpert(_predictions, [Timeframe.OneMinute, Timeframe.OneHour]),
            new FastTreeExpert(_predictions),
            new RlExpert(new FixedRlPolicySource(_policy), null, null, null, Timeframe.OneMinute),
        ];
        _orchestrator = new Orchestrator(
            experts,
            _gate,
            new ExpertScoreboard(options.ScoreHorizonBars, options.AccuracyWindow),
            new FixedThresholdStore(Symbols, new ConfidenceThresholds(options.EntryThreshold, options.ExitThreshold)),
            new ActionMapper(Orchestrator.Source, options.LongFraction, options.ShortEnabled, options.ShortFraction),
            new VolatilityTracker(options.VolatilityShortBars, options.VolatilityLongBars));
        Console.WriteLine($"// {_closes.Length} minute closes after the warm-up; models {string.Join(", ", slots.Values)}, policy {_policy.Card.Name}, gate {_gate.Card.Name}");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var model in _models)
        {
            model.Dispose();
        }

        _policy.Dispose();
        _gate.Dispose();
    }

    [Benchmark(Description = "Bar close -> TradingAction (processor, CNN, FastTree x2, rule, RL, trained gate), 2 symbols")]
    public TradingAction? BarCloseToAction()
    {
        if (_next >= _closes.Length)
        {
            throw new InvalidOperationException("The benchmark ran out of real minute closes; lower its iteration count.");
        }

        var group = _closes[_next++];
        foreach (var bar in group)
        {
            _output.Clear();
            _processor.Process(bar, _output);
            foreach (var outcome in _output.Frames)
            {
                if (outcome.Frame is { } frame)
                {
                    foreach (var model in _models)
                    {
                        _predictions.Add(model.Predict(frame));
                    }
                }
            }
        }

        TradingAction? action = null;
        foreach (var bar in group)
        {
            if (bar.Timeframe == Timeframe.OneMinute)
            {
                var now = DateTimeOffset.FromUnixTimeMilliseconds(bar.CloseTimeMs + 1);
                action = _orchestrator.Decide(bar, 0m, now).Action;
            }
        }

        return action;
    }

    private static List<OHLCVBar> Read(string klines, string folder, string symbol, Timeframe timeframe)
    {
        var file = Directory.EnumerateFiles(Path.Combine(klines, folder), $"{symbol}-{folder}-*.ohlcv.csv.gz").Order(StringComparer.Ordinal).First();
        return KlineCsvReader.Read(file, "Binance", symbol, timeframe).ToList();
    }

    /// <summary>The newest prediction of each model and symbol, for the CNN and FastTree experts (the live feed's role).</summary>
    private sealed class LatestPredictions(IReadOnlyDictionary<string, string> slots, int maxAgeSeconds) : IExpertPredictionSource
    {
        private readonly Dictionary<(string Model, string Symbol), CNNPrediction> _latest = [];

        public bool IsServing => true;

        public void Add(CNNPrediction prediction) => _latest[(prediction.ModelName, prediction.Symbol)] = prediction;

        public string? ActiveModel(string slot) => slots.GetValueOrDefault(slot);

        public CNNPrediction? Fresh(string modelName, string symbol, long barCloseMs) =>
            _latest.TryGetValue((modelName, symbol), out var p) && PredictionFreshness.IsUsable(p.AsOfMs, barCloseMs, maxAgeSeconds) ? p : null;
    }
}
