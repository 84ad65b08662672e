using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// The host side of an orchestrator decision's learned parts, at batch 1 on the CPU, with the shipped models: the RL
/// expert's vote (observation from the bars, position state, the shipped DQN policy of onnx/rl in ONNX Runtime; fed 1h
/// bars so that every call runs the network) and the shipped trained gate's weights (onnx/gate). Both are loaded through
/// the host's checks (card, SHA-256, shapes).
/// </summary>
[MemoryDiagnoser]
public class RlDecisionBenchmarks
{
    private OnnxRlPolicy _policy = null!;
    private RlExpert _expert = null!;
    private OnnxGateModel _gate = null!;
    private GateContext _context = null!;
    private OHLCVBar[] _bars = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var models = Path.Combine(RepositoryRoot.Find(AppContext.BaseDirectory) ?? throw new InvalidOperationException("Repository root (with onnx/) not found."), "onnx");
        var sessions = new OnnxSessionFactory(Options.Create(new ModelsOptions { UseCuda = false, IntraOpThreads = 1 }), NullLogger<OnnxSessionFactory>.Instance);
        _policy = OnnxRlPolicy.Load(Directory.EnumerateFiles(Path.Combine(models, "rl"), "*.onnx").Order(StringComparer.Ordinal).First(), sessions);
        _expert = new RlExpert(new FixedRlPolicySource(_policy), null, null, null, Timeframe.OneHour);
        _gate = OnnxGateModel.Load(Path.Combine(models, TrainedGate.FolderName, "gate.onnx"), sessions);
        _context = new GateContext("ETHUSDT", DateTimeOffset.UnixEpoch, new VolatilityRegime(VolatilityRegimeKind.Normal, 0.01, 0.012),
            _gate.Card.Experts.Select((e, i) => new ExpertGateInput(e, ExpertVote.Create((AgentAction)(i % 3), 0.6, "bench"), 0.55, 80, 44)).ToArray());

#pragma warning disable CA5394 // Benchmark input, not security.
        var random = new Random(7);
        var price = 2000.0;
        _bars = new OHLCVBar[100_000];
        for (var i = 0; i < _bars.Length; i++)
        {
            var close = price * (1 + ((random.NextDouble() - 0.5) * 0.02));
            _bars[i] = new OHLCVBar("bench", "ETHUSDT", Timeframe.OneHour, 1_699_999_200_000 + (i * 3_600_000L), price, Math.Max(price, close), Math.Min(price, close), close, 10, true);
            price = close;
        }
#pragma warning restore CA5394
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _policy.Dispose();
        _gate.Dispose();
    }

    [Benchmark(Description = "RL expert vote (observation + MLP policy), batch 1, CPU")]
    public ExpertVote RlVote()
    {
        var bar = _bars[_next++ % _bars.Length];
        return _expert.Vote(new ExpertContext(bar, 0m, false, DateTimeOffset.UnixEpoch));
    }

    [Benchmark(Description = "Trained gate weights (encode + MLP), batch 1, CPU")]
    public double[]? GateWeights() => TrainedGate.MapWeights(_gate.Run(_context), _gate.Card.Experts, _context);
}
