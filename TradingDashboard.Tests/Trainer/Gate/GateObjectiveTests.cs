using TorchSharp;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Cnn;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Tests.Trainer.Gate;

[Collection(TorchCollection.Name)]
public sealed class GateObjectiveTests
{
    // Three decisions, two experts. By hand:
    //   1: w (0.75, 0.25), v (0.8, -0.4), r  0.02: net = 0.6 - 0.1 = 0.5,  net r =  0.010, H = 0.75 ln(4/3) + 0.25 ln 4
    //   2: w (0.5, 0.5),   v (1.0, 1.0),  r -0.01: net = 1.0,             net r = -0.010, H = ln 2
    //   3: w (1, 0),       v (-0.5, 0.9), r -0.04: net = -0.5,            net r =  0.020, H = 0
    //   mean net r = 0.02 / 3; mean H = (0.215762 + 0.346574 + 0.693147) / 3 = 0.418494.
    private static readonly float[] Weights = [0.75f, 0.25f, 0.5f, 0.5f, 1f, 0f];
    private static readonly float[] Votes = [0.8f, -0.4f, 1f, 1f, -0.5f, 0.9f];
    private static readonly double[] Returns = [0.02, -0.01, -0.04];

    public GateObjectiveTests() => TorchNativeLoader.EnsureLoaded();

    [Fact]
    public void Objective_matches_the_hand_computation_on_three_decisions()
    {
        const double meanGain = 0.02 / 3;
        const double meanEntropy = 0.418494;
        Assert.Equal(meanGain, GateObjective.Value(Weights, Votes, Returns, 2, 0), 1e-7);
        Assert.Equal(meanGain + (0.1 * meanEntropy), GateObjective.Value(Weights, Votes, Returns, 2, 0.1), 1e-6);

        using var w = torch.tensor(Weights, [3, 2]);
        using var v = torch.tensor(Votes, [3, 2]);
        using var r = torch.tensor(Returns.Select(x => (float)x).ToArray(), [3]);
        using var plain = GateObjective.Loss(w, v, r, 0);
        using var regularized = GateObjective.Loss(w, v, r, 0.1);
        Assert.Equal(-meanGain, plain.item<float>(), 1e-6);
        Assert.Equal(-(meanGain + (0.1 * meanEntropy)), regularized.item<float>(), 1e-6);
    }

    [Fact]
    public void Evaluator_uses_the_combination_formula_and_the_recent_accuracy_gate()
    {
        // rule Buy 1.0 (w 0.5), cnn Sell 0.8 (w 0.3), fasttree Hold (w 0.2): net = 0.5 - 0.24 = 0.26 (docs/orchestrator.md).
        var decision = GateTestDecisions.Decision(GateTestDecisions.Start, VolatilityRegimeKind.Normal, -0.01,
        [
            new TestVote("rule", AgentAction.Buy, 1.0, Hits: 8, Scored: 10),
            new TestVote("cnn", AgentAction.Sell, 0.8, Hits: 3, Scored: 10),
            new TestVote("fasttree", AgentAction.Hold, 0.5, Hits: 0, Scored: 0),
        ]);
        Assert.Equal(0.26, GateEvaluator.Net(decision.Context, [0.5, 0.3, 0.2]), 1e-12);

        // Baseline by hand: a = 9/12, 4/12, 1/2; w = softmax(a / 0.1).
        var a = new[] { 9.0 / 12, 4.0 / 12, 0.5 };
        var e = a.Select(x => Math.Exp(x / 0.1)).ToArray();
        var baselineNet = ((e[0] * 1.0) - (e[1] * 0.8)) / e.Sum();
        var evaluation = GateEvaluator.Evaluate([decision], [[0.5, 0.3, 0.2]], new RecentAccuracyGate(0.1));
        Assert.Equal(1, evaluation.Decisions);
        Assert.Equal(0.26 * -0.01, evaluation.CombinedReturn, 1e-12);
        Assert.Equal(baselineNet * -0.01, evaluation.BaselineReturn, 1e-12);
        Assert.Equal(0, evaluation.HitRate); // net > 0, r < 0
    }

    [Fact]
    public void Masked_weights_zero_the_absent_experts_and_renormalize_the_rest()
    {
        using var network = new GateNetwork(new GateNetworkShape(3), seed: 5);
        var f = GateFeatureEncoder.Length(3);
        var features = new float[3 * f];
        var random = new Random(1);
        for (var i = 0; i < features.Length; i++)
        {
            features[i] = (float)random.NextDouble();
        }

        // Row 0: experts 0 and 2 present; row 1: only expert 1; row 2: nobody.
        bool[][] present = [[true, false, true], [false, true, false], [false, false, false]];
        for (var n = 0; n < 3; n++)
        {
            for (var k = 0; k < 3; k++)
            {
                features[(n * f) + GateNetwork.PresentIndex(k)] = present[n][k] ? 1f : 0f;
            }
        }

        var plain = network.Predict(features, 3, masked: false);
        var masked = network.Predict(features, 3, masked: true);
        for (var n = 0; n < 3; n++)
        {
            var sum = Enumerable.Range(0, 3).Where(k => present[n][k]).Sum(k => (double)plain[(n * 3) + k]);
            for (var k = 0; k < 3; k++)
            {
                var expected = present[n][k] ? plain[(n * 3) + k] / sum : 0;
                Assert.Equal(expected, masked[(n * 3) + k], 1e-6);
            }
        }

        Assert.Equal(1.0, masked[3 + 1], 1e-6);
        Assert.All(masked.AsSpan(6, 3).ToArray(), w => Assert.Equal(0f, w));
    }
}
