using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Components.Backtests;
using TradingDashboard.Tests.Models.Serving;
using TradingDashboard.Tests.Reinforcement;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Orchestration.OrchestrationTestKit;

namespace TradingDashboard.Tests.Orchestration.Learning;

/// <summary>A gate trainer that writes a real (tiny) gate and reports the evaluations the test chose.</summary>
internal sealed class FakeGateTrainer(GateEvaluation candidate, GateEvaluation? incumbent) : IGateTrainer
{
    public List<GateRetrainRequest> Requests { get; } = [];

    public Task<GateRetrainResult> RetrainAsync(GateRetrainRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var inputs = GateFeatureEncoder.Length(request.Experts.Count);
        var path = PolicyTestKit.WriteGate(request.OutputDirectory, PolicyTestKit.GateCard(request.ModelName, request.Experts), new float[inputs * request.Experts.Count], new float[request.Experts.Count]);
        return Task.FromResult(new GateRetrainResult(true, path, candidate, incumbent, "trained"));
    }
}

/// <summary>A policy trainer that writes a real (tiny) policy and reports the evaluations the test chose.</summary>
internal sealed class FakePolicyTrainer(RlEvaluation candidate, RlEvaluation? incumbent) : IPolicyTrainer
{
    public static readonly RlObservationSpec Spec = new(3, 4, null, false, [], 0);

    public List<PolicyRetrainRequest> Requests { get; } = [];

    public Task<PolicyRetrainResult> RetrainAsync(PolicyRetrainRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var names = PolicyTestKit.Names(Spec);
        var path = PolicyTestKit.WritePolicy(request.OutputDirectory, PolicyTestKit.Card(request.ModelName, Spec, names, candidate.Sharpe), TinyPolicy.Random(names.Count, 1));
        return Task.FromResult(new PolicyRetrainResult(true, path, "run-1", candidate, incumbent, "trained"));
    }
}

public sealed class OrchestratorLearningServiceTests : IDisposable
{
    private readonly ThresholdTestDatabase _db = new();
    private readonly string _models = PolicyTestKit.TempFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog _audit;
    private readonly AlertService _alerts;
    private readonly SqliteDecisionOutcomeStore _store;

    public OrchestratorLearningServiceTests()
    {
        _audit = new RecordingAuditLog(_time);
        _alerts = new AlertService(_time, NullLogger<AlertService>.Instance);
        _store = new SqliteDecisionOutcomeStore(_db.Open());
    }

    public void Dispose()
    {
        _db.Dispose();
        try
        {
            Directory.Delete(_models, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    /// <summary>Records and resolves <paramref name="count"/> decisions (horizon 1) from bar <paramref name="first"/> on.</summary>
    private void Resolve(int count, int first = 0)
    {
        for (var i = first; i < first + count; i++)
        {
            var context = new GateContext("ETHUSDT", _time.GetUtcNow(), VolatilityRegime.Unknown, [new ExpertGateInput("rule", ExpertVote.Create(AgentAction.Buy, 1, "x"), null, 0, 0)]);
            _store.Record(new DecisionOutcome(context, "recent-accuracy", [1.0], AgentAction.Buy, 1, DecisionKind.Entry, "paper", 100 + i, 1, null, null), Bar(i, 0).OpenTimeMs, M);
            _store.Resolve(Bar(i + 1, 100 + i + 1), _time.GetUtcNow());
        }
    }

    private OrchestratorLearningService Service(
        OrchestratorLearningOptions? options = null, IGateTrainer? gateTrainer = null, IPolicyTrainer? policyTrainer = null,
        TrainedGate? gate = null, RlPolicyRegistry? policies = null, InMemoryCandleStore? candles = null) => new(
        _store, _audit, _alerts,
        Options.Create(options ?? new OrchestratorLearningOptions { MinimumGateDecisions = 2, GateTrainingDecisions = 10, RetrainGateAfterDecisions = 0, RetrainRlEveryHours = 0 }),
        Options.Create(new OrchestratorOptions()),
        new ModelsFolder(_models), ["rule", "cnn"], "ETHUSDT", _time, NullLogger<OrchestratorLearningService>.Instance,
        gateTrainer, policyTrainer, gate, policies, candles, RunningFeatureSchema.Fixed(ServingTestKit.Schema), null);

    private TrainedGate Gate() => new(PolicyTestKit.Sessions(), new ModelsFolder(_models), new RecentAccuracyGate(0.1), _alerts, _audit, _time, NullLogger<TrainedGate>.Instance);

    private static async Task StartAsync(OrchestratorLearningService service)
    {
        await service.StartAsync(CancellationToken.None);
        for (var i = 0; i < 500 && !service.Status.ProcessRunning; i++)
        {
            await Task.Delay(10);
        }

        Assert.True(service.Status.ProcessRunning);
    }

    [Fact]
    public async Task A_viewer_is_refused_and_audited_and_nothing_trains()
    {
        var trainer = new FakeGateTrainer(new GateEvaluation(10, 0.01, 0, 0.6, default, default), null);
        using var service = Service(gateTrainer: trainer);
        await StartAsync(service);

        await Assert.ThrowsAsync<AccessDeniedException>(() => service.RequestGateRetrainAsync(RiskTestKit.Viewer));
        await Assert.ThrowsAsync<AccessDeniedException>(() => service.RequestRlRetrainAsync(RiskTestKit.Viewer));

        Assert.Empty(trainer.Requests);
        Assert.Equal(2, _audit.Entries.Count(e => !e.Allowed && e.Actor == "victor"));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_trainers_the_status_says_trainer_not_available()
    {
        using var service = Service();
        await StartAsync(service);
        Assert.False(service.Status.Gate.TrainerAvailable);
        Assert.Equal(OrchestratorLearningService.TrainerMissing, service.Status.Gate.LastMessage);
        Assert.Equal(OrchestratorLearningService.TrainerMissing, service.Status.Rl.LastMessage);
        Assert.Contains(OrchestratorLearningService.TrainerMissing, await service.RequestGateRetrainAsync(RiskTestKit.Admin), StringComparison.Ordinal);
        Assert.Contains(OrchestratorLearningService.TrainerMissing, await service.RequestRlRetrainAsync(RiskTestKit.Admin), StringComparison.Ordinal);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_admin_retrains_the_gate_on_the_resolved_decisions_and_a_better_one_is_promoted()
    {
        Resolve(5);
        var candidate = new GateEvaluation(2, 0.004, 0.001, 0.6, default, default);
        var trainer = new FakeGateTrainer(candidate, null);
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        using var service = Service(gateTrainer: trainer, gate: gate);
        await StartAsync(service);

        var answer = await service.RequestGateRetrainAsync(RiskTestKit.Admin);
        Assert.StartsWith("started", answer, StringComparison.Ordinal);
        await service.WaitForRunsAsync();

        var request = Assert.Single(trainer.Requests);
        Assert.Equal(5, request.Decisions.Count);
        Assert.Equal([101.0, 102, 103, 104, 105], request.Decisions.Select(d => d.Close + d.Close * d.ForwardReturn!.Value).Select(v => Math.Round(v, 9)));
        Assert.Equal(["rule", "cnn"], request.Experts);
        Assert.Null(request.IncumbentOnnxPath);
        Assert.Equal(Path.Combine(_models, "candidates", "gate"), request.OutputDirectory);
        Assert.StartsWith("admin:alice", request.Trigger, StringComparison.Ordinal);
        Assert.StartsWith("trained:gate-", gate.Name, StringComparison.Ordinal);
        Assert.Contains("promoted", service.Status.Gate.LastMessage, StringComparison.Ordinal);
        Assert.Contains(_audit.Entries, e => e.Action == OrchestratorLearningService.GateAuditAction && e.Allowed && e.Actor == "alice");
        Assert.Contains(_audit.Entries, e => e.Action == OrchestratorLearningService.GateAuditAction + ".completed");
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_worse_gate_is_not_promoted_and_too_few_decisions_do_not_train()
    {
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        var trainer = new FakeGateTrainer(new GateEvaluation(2, 0.0005, 0.001, 0.6, default, default), null);
        using var service = Service(gateTrainer: trainer, gate: gate);
        await StartAsync(service);

        Resolve(1);
        await service.RequestGateRetrainAsync(RiskTestKit.Admin);
        await service.WaitForRunsAsync();
        Assert.Empty(trainer.Requests);
        Assert.Contains("1 resolved decisions, at least 2", service.Status.Gate.LastMessage, StringComparison.Ordinal);

        Resolve(3, first: 10);
        await service.RequestGateRetrainAsync(RiskTestKit.Admin);
        await service.WaitForRunsAsync();
        Assert.Single(trainer.Requests);
        Assert.Equal(TrainedGate.FallbackName, gate.Name);
        Assert.Contains("not promoted", service.Status.Gate.LastMessage, StringComparison.Ordinal);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_gate_retrains_by_itself_after_enough_newly_resolved_decisions()
    {
        var trainer = new FakeGateTrainer(new GateEvaluation(2, 0.004, 0.001, 0.6, default, default), null);
        var options = new OrchestratorLearningOptions { MinimumGateDecisions = 2, GateTrainingDecisions = 10, RetrainGateAfterDecisions = 3, RetrainRlEveryHours = 0 };
        using var service = Service(options, gateTrainer: trainer);
        Resolve(2); // before the start: not counted
        await StartAsync(service);

        Resolve(2, first: 10);
        service.CheckTriggers();
        await service.WaitForRunsAsync();
        Assert.Empty(trainer.Requests);
        Assert.Equal(2, service.Status.ResolvedSinceGateTraining);

        Resolve(1, first: 20);
        service.CheckTriggers();
        await service.WaitForRunsAsync();
        Assert.Single(trainer.Requests);
        Assert.Equal(0, service.Status.ResolvedSinceGateTraining);
        Assert.Equal("decisions", trainer.Requests[0].Trigger);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_rl_agent_retrains_on_recent_candles_and_is_promoted_only_when_its_sharpe_is_not_worse()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var bars = new List<OHLCVBar>();
        foreach (var symbol in new[] { "BTCUSDT", "ETHUSDT" })
        {
            for (var i = 1; i <= 30; i++)
            {
                bars.Add(new OHLCVBar("test", symbol, Timeframe.OneMinute, now - (i * M), 100, 100, 100, 100, 1, true));
            }
        }

        bars.Add(new OHLCVBar("test", "ETHUSDT", Timeframe.OneMinute, now - (40L * 86_400_000), 100, 100, 100, 100, 1, true)); // outside the 14-day lookback
        using var registry = new RlPolicyRegistry(PolicyTestKit.Sessions(), new ModelsFolder(_models), Options.Create(new ModelsOptions { UseCuda = false, WatchForNewModels = false }), _alerts, _audit, _time, NullLogger<RlPolicyRegistry>.Instance);
        await registry.StartAsync(CancellationToken.None);
        var good = new FakePolicyTrainer(PolicyTestKit.Evaluation(1.1), null);
        using (var service = Service(policyTrainer: good, policies: registry, candles: new InMemoryCandleStore(bars)))
        {
            await StartAsync(service);
            Assert.StartsWith("started", await service.RequestRlRetrainAsync(RiskTestKit.Admin), StringComparison.Ordinal);
            await service.WaitForRunsAsync();
            var request = Assert.Single(good.Requests);
            Assert.Equal(60, request.Bars.Count);
            Assert.True(request.Bars.Zip(request.Bars.Skip(1)).All(p => p.First.OpenTimeMs <= p.Second.OpenTimeMs));
            Assert.Equal("ETHUSDT", request.PrimarySymbol);
            Assert.Equal("dqn", request.Algorithm);
            Assert.Equal(ServingTestKit.Schema.Settings, request.Features);
            Assert.Null(request.IncumbentOnnxPath);
            Assert.Equal(request.ModelName, registry.Current!.Card.Name);
            await service.StopAsync(CancellationToken.None);
        }

        var incumbent = registry.CurrentPath;
        var worse = new FakePolicyTrainer(PolicyTestKit.Evaluation(0.5), PolicyTestKit.Evaluation(0.6));
        _time.Advance(TimeSpan.FromSeconds(1)); // another model name
        using var again = Service(policyTrainer: worse, policies: registry, candles: new InMemoryCandleStore(bars));
        await StartAsync(again);
        await again.RequestRlRetrainAsync(RiskTestKit.Admin);
        await again.WaitForRunsAsync();
        Assert.Equal(incumbent, Assert.Single(worse.Requests).IncumbentOnnxPath);
        Assert.Equal(incumbent, registry.CurrentPath);
        Assert.Contains("below the active", again.Status.Rl.LastMessage, StringComparison.Ordinal);
        await again.StopAsync(CancellationToken.None);
    }
}
