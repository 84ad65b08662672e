using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Reinforcement;
using TradingDashboard.Tests.Risk;

namespace TradingDashboard.Tests.Orchestration.Learning;

public sealed class TrainedGateTests : IDisposable
{
    private static readonly string[] CardExperts = ["rule", "rl", "cnn"];
    private readonly string _root = PolicyTestKit.TempFolder();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly RecordingAuditLog _audit;

    public TrainedGateTests() => _audit = new RecordingAuditLog(_time);

    private string GateFolder => Path.Combine(_root, TrainedGate.FolderName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private TrainedGate Gate() => new(
        PolicyTestKit.Sessions(), new ModelsFolder(_root), new RecentAccuracyGate(0.1),
        new AlertService(_time, NullLogger<AlertService>.Instance), _audit, _time, NullLogger<TrainedGate>.Instance);

    private static (float[] W, float[] B) Weights(int seed)
    {
        var random = new Random(seed);
        var inputs = 5 + (5 * CardExperts.Length);
        return (Enumerable.Range(0, inputs * 3).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray(),
                Enumerable.Range(0, 3).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray());
    }

    private static GateContext Context() => new("ETHUSDT", DateTimeOffset.UnixEpoch, VolatilityRegime.Unknown,
    [
        new ExpertGateInput("cnn", ExpertVote.Create(AgentAction.Buy, 0.8, "low"), 0.6, 50, 30),
        new ExpertGateInput("rule", ExpertVote.Create(AgentAction.Sell, 0.5, "exit"), null, 0, 0),
        new ExpertGateInput("x", ExpertVote.Create(AgentAction.Buy, 1.0, "unknown to the card"), 0.9, 10, 9),
        new ExpertGateInput("rl", ExpertVote.Abstain("no RL model loaded"), 0.7, 200, 140),
    ]);

    [Fact]
    public async Task The_trained_gate_gives_the_hand_computed_masked_softmax_in_the_contexts_order()
    {
        var (w, b) = Weights(seed: 11);
        PolicyTestKit.WriteGate(GateFolder, PolicyTestKit.GateCard("g1", CardExperts, combinedReturn: 0.001), w, b);
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        Assert.Equal("trained:g1", gate.Name);
        Assert.Equal("CPU", gate.Status.ExecutionProvider);

        // Features by hand: regime unknown one-hot, ratio 0; rule (present, -1, 0.5, 0.5 without record, 0/100);
        // rl abstained (0, 0, 0, 0.7, min(200/100, 1)); cnn (1, +1, 0.8, 0.6, 50/100).
        float[] x = [1, 0, 0, 0, 0, 1, -1, 0.5f, 0.5f, 0, 0, 0, 0, 0.7f, 1, 1, 1, 0.8f, 0.6f, 0.5f];
        var logits = new double[3];
        for (var j = 0; j < 3; j++)
        {
            logits[j] = b[j] + x.Select((v, i) => (double)v * w[(i * 3) + j]).Sum();
        }

        var e = logits.Select(v => Math.Exp(v - logits.Max())).ToArray();
        var p = e.Select(v => v / e.Sum()).ToArray(); // rule, rl, cnn
        var kept = p[0] + p[2];                       // rl abstained: 0, the rest renormalized
        double[] expected = [p[2] / kept, p[0] / kept, 0, 0]; // context order cnn, rule, x (not in the card), rl

        var weights = gate.Weigh(Context());
        Assert.Equal(4, weights.Count);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], weights[i], 1e-6);
        }

        Assert.Equal(1.0, weights.Sum(), 1e-12);
    }

    [Fact]
    public void Without_a_trained_gate_the_recent_accuracy_gate_weighs_and_the_name_says_so()
    {
        using var gate = Gate();
        Assert.Equal("recent-accuracy (no trained gate loaded)", gate.Name);
        Assert.Equal(TrainedGate.FallbackName, gate.Status.Name);
        var context = Context();
        Assert.Equal(new RecentAccuracyGate(0.1).Weigh(context), gate.Weigh(context));
    }

    [Fact]
    public async Task A_voter_set_the_card_gives_no_weight_falls_back_for_that_decision()
    {
        var (w, b) = Weights(seed: 2);
        PolicyTestKit.WriteGate(GateFolder, PolicyTestKit.GateCard("g1", CardExperts), w, b);
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        var onlyUnknown = new GateContext("ETHUSDT", DateTimeOffset.UnixEpoch, VolatilityRegime.Unknown,
            [new ExpertGateInput("x", ExpertVote.Create(AgentAction.Buy, 1, "?"), null, 0, 0), new ExpertGateInput("rule", ExpertVote.Abstain("-"), null, 0, 0)]);
        Assert.Equal([1.0, 0.0], gate.Weigh(onlyUnknown));
        Assert.Equal(1, gate.Status.Failures);
    }

    [Fact]
    public async Task A_retrained_gate_is_promoted_only_when_its_combined_return_is_not_worse()
    {
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        var candidates = Path.Combine(_root, "candidates", "gate");
        var (w, b) = Weights(seed: 5);
        var first = PolicyTestKit.WriteGate(candidates, PolicyTestKit.GateCard("first", CardExperts), w, b);
        var second = PolicyTestKit.WriteGate(candidates, PolicyTestKit.GateCard("second", CardExperts), w, b);

        // No trained incumbent: compared with the recent-accuracy gate on the same decisions (BaselineReturn).
        var below = new GateEvaluation(100, 0.0001, 0.0002, 0.5, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        Assert.False((await gate.OfferAsync(first, below, null)).Promoted);
        Assert.Equal(TrainedGate.FallbackName, gate.Name);

        var above = below with { CombinedReturn = 0.0003 };
        Assert.True((await gate.OfferAsync(first, above, null)).Promoted);
        Assert.Equal("trained:first", gate.Name);
        Assert.True(File.Exists(Path.Combine(GateFolder, "first.onnx")));

        var worse = await gate.OfferAsync(second, below with { CombinedReturn = 0.00029 }, above);
        Assert.False(worse.Promoted);
        Assert.Equal("trained:first", gate.Name);
        Assert.Equal(3, _audit.Entries.Count(e => e.Action == TrainedGate.PromoteAuditAction));

        // The promoted gate is loaded again after a restart.
        using var restarted = Gate();
        await restarted.StartAsync(CancellationToken.None);
        Assert.Equal("trained:first", restarted.Name);
    }

    [Fact]
    public async Task A_gate_whose_card_does_not_match_the_file_is_refused_with_the_reason()
    {
        var (w, b) = Weights(seed: 5);
        var path = PolicyTestKit.WriteGate(GateFolder, PolicyTestKit.GateCard("g", CardExperts), w, b);
        File.AppendAllText(path, " ");
        using var gate = Gate();
        await gate.StartAsync(CancellationToken.None);
        Assert.Equal(TrainedGate.FallbackName, gate.Name);
        var refused = Assert.Single(gate.Status.Refused);
        Assert.Contains("SHA-256", refused.Reason, StringComparison.Ordinal);
        Assert.Contains("refused", gate.Status.Reason, StringComparison.Ordinal);
    }
}
