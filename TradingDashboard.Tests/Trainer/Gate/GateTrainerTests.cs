using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Tests.Models.Cnn;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Tests.Trainer.Gate;

[Collection(TorchCollection.Name)]
public sealed class GateTrainerTests
{
    private static readonly string[] Experts = ["trend", "revert", "cnn"];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 2, 1, 12, 0, 0, TimeSpan.Zero));

    private static GateTrainingOptions Options(int seed = 7) => new() { Seed = seed, Epochs = 120, Patience = 40 };

    [Fact]
    public void The_trained_gate_weights_experts_by_regime_and_beats_the_recent_accuracy_gate()
    {
        var decisions = GateTestDecisions.Regimes(600, seed: 3);
        using var result = new GateTrainer(Options(), _time).Train(decisions, Experts);

        Assert.Equal(Experts, result.Experts);
        Assert.Equal(120, result.Split.ValidationCount);
        var validation = result.ValidationDecisions;
        Assert.Equal(validation.Count, result.Validation.Decisions);

        // The gate's weights by regime on the validation decisions (masked: abstaining cnn gets 0).
        var f = GateFeatureEncoder.Length(3);
        var features = new float[validation.Count * f];
        for (var n = 0; n < validation.Count; n++)
        {
            GateFeatureEncoder.Encode(validation[n].Context, Experts, features.AsSpan(n * f, f));
        }

        var weights = result.Network.Predict(features, validation.Count);
        var high = Enumerable.Range(0, validation.Count).Where(n => validation[n].Context.Volatility.Kind == VolatilityRegimeKind.High).ToList();
        var low = Enumerable.Range(0, validation.Count).Where(n => validation[n].Context.Volatility.Kind == VolatilityRegimeKind.Low).ToList();
        Assert.NotEmpty(high);
        Assert.NotEmpty(low);
        Assert.True(high.Average(n => weights[n * 3]) > 0.8, $"trend weight in high volatility {high.Average(n => weights[n * 3]):F3}");
        Assert.True(low.Average(n => weights[(n * 3) + 1]) > 0.8, $"revert weight in low volatility {low.Average(n => weights[(n * 3) + 1]):F3}");
        for (var n = 0; n < validation.Count; n++)
        {
            var cnn = validation[n].Context.Experts.Single(e => e.Expert == "cnn");
            if (cnn.Vote.Abstained)
            {
                Assert.Equal(0f, weights[(n * 3) + 2]);
            }

            Assert.Equal(1.0, weights[n * 3] + weights[(n * 3) + 1] + weights[(n * 3) + 2], 1e-5);
        }

        // The baseline, recomputed here from each context with the documented formula.
        var baseline = validation.Average(d =>
        {
            var present = d.Context.Experts.Where(e => !e.Vote.Abstained).ToList();
            var exp = present.Select(e => Math.Exp(((e.Hits + 1.0) / (e.Scored + 2.0)) / 0.1)).ToList();
            var net = present.Select((e, i) => exp[i] / exp.Sum() * e.Vote.Confidence * e.Vote.Direction).Sum();
            return net * d.ForwardReturn!.Value;
        });
        Assert.Equal(baseline, result.Validation.BaselineReturn, 1e-12);

        // Following the right expert in each regime earns 0.8 x mean |r|; the trained gate gets most of it, the baseline far less.
        var oracle = validation.Average(d => 0.8 * Math.Abs(d.ForwardReturn!.Value));
        Assert.True(result.Validation.CombinedReturn > 0.7 * oracle, $"trained {result.Validation.CombinedReturn:E3}, oracle {oracle:E3}");
        Assert.True(result.Validation.CombinedReturn > result.Validation.BaselineReturn + (0.2 * oracle),
            $"trained {result.Validation.CombinedReturn:E3}, baseline {result.Validation.BaselineReturn:E3}");
        Assert.True(result.Validation.HitRate > 0.9, $"hit rate {result.Validation.HitRate:F3}");
        Assert.InRange(result.BestEpoch, 1, result.Epochs.Count);
    }

    [Fact]
    public void Training_is_reproducible_for_a_seed_and_differs_for_another()
    {
        var decisions = GateTestDecisions.Regimes(300, seed: 4);
        using var a = new GateTrainer(Options(seed: 11) with { Epochs = 15 }, _time).Train(decisions, Experts);
        using var b = new GateTrainer(Options(seed: 11) with { Epochs = 15 }, _time).Train(decisions, Experts);
        using var c = new GateTrainer(Options(seed: 12) with { Epochs = 15 }, _time).Train(decisions, Experts);
        foreach (var (name, (values, _)) in a.Network.Weights())
        {
            Assert.Equal(values, b.Network.Weights()[name].Values);
        }

        Assert.Equal(a.Validation, b.Validation);
        Assert.NotEqual(a.Network.Weights()["hidden_weight"].Values, c.Network.Weights()["hidden_weight"].Values);
    }

    [Fact]
    public void Too_few_resolved_decisions_are_refused_with_the_counts()
    {
        var decisions = GateTestDecisions.Regimes(40, seed: 5);
        var ex = Assert.Throws<InvalidDataException>(() => new GateTrainer(Options(), _time).Train(decisions));
        Assert.Contains("40 resolved", ex.Message, StringComparison.Ordinal);
    }
}
