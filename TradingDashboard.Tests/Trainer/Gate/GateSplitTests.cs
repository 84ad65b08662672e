using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Gate;

namespace TradingDashboard.Tests.Trainer.Gate;

public sealed class GateSplitTests
{
    private static List<DecisionOutcome> TwoSymbols(int minutes, int horizon)
    {
        var decisions = new List<DecisionOutcome>();
        for (var m = 0; m < minutes; m++)
        {
            foreach (var symbol in new[] { "ETHUSDT", "BTCUSDT" })
            {
                decisions.Add(GateTestDecisions.Decision(GateTestDecisions.Start.AddMinutes(m), VolatilityRegimeKind.Normal, 0.001 * ((m % 5) - 2),
                    [new TestVote("rule", AgentAction.Buy, 1)], symbol, horizon));
            }
        }

        return decisions;
    }

    [Fact]
    public void Split_is_chronological_with_a_horizon_gap_so_no_forward_return_reaches_validation()
    {
        var decisions = TwoSymbols(50, horizon: 3);
        // Shuffle the input: the dataset orders by time.
        var shuffled = decisions.OrderBy(_ => Random.Shared.Next()).ToList();
        var dataset = GateDataset.Build(shuffled, ["rule"]);
        var split = dataset.Split(0.2, 10, 5);

        // 100 decisions: 20 validation, gap 3 bars x 2 symbols = 6, 74 train.
        Assert.Equal(new GateSplit(74, 6, 80, 20), split);
        for (var n = 1; n < dataset.Count; n++)
        {
            Assert.True(dataset.Decisions[n - 1].Context.Time <= dataset.Decisions[n].Context.Time);
        }

        var firstValidation = dataset.Decisions[split.ValidationStart].Context.Time;
        for (var n = 0; n < split.TrainCount; n++)
        {
            var d = dataset.Decisions[n];
            var forwardEnd = d.Context.Time.AddMinutes(d.HorizonBars);
            Assert.True(forwardEnd < firstValidation, $"train decision {n} at {d.Context.Time:t} resolves at {forwardEnd:t}, validation starts {firstValidation:t}");
        }

        Assert.True(split.TrainCount + split.Gap == split.ValidationStart);
        Assert.Equal(dataset.Count, split.ValidationStart + split.ValidationCount);
    }

    [Fact]
    public void Unresolved_decisions_are_left_out_and_too_few_are_refused()
    {
        var decisions = TwoSymbols(20, horizon: 1);
        decisions.Add(GateTestDecisions.Decision(GateTestDecisions.Start.AddHours(1), VolatilityRegimeKind.Low, null, [new TestVote("rule", AgentAction.Sell, 1)]));
        decisions.Add(GateTestDecisions.Decision(GateTestDecisions.Start.AddHours(1), VolatilityRegimeKind.Low, double.NaN, [new TestVote("rule", AgentAction.Sell, 1)]));
        var dataset = GateDataset.Build(decisions, ["rule"]);
        Assert.Equal(40, dataset.Count);
        Assert.Equal(2, dataset.Unresolved);

        var ex = Assert.Throws<InvalidDataException>(() => dataset.Split(0.2, 50, 20));
        Assert.Contains("Too few resolved decisions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("40 resolved", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Features_and_votes_follow_the_encoder_and_the_recorded_votes()
    {
        var decision = GateTestDecisions.Decision(GateTestDecisions.Start, VolatilityRegimeKind.High, 0.01,
        [
            new TestVote("cnn", AgentAction.Sell, 0.7),
            new TestVote("rule", AgentAction.Buy, 0.9, Abstained: true),
        ]);
        var dataset = GateDataset.Build([decision], ["rule", "cnn", "rl"]);
        Assert.Equal(GateFeatureEncoder.Length(3), dataset.FeatureCount);
        Assert.Equal([0f, -0.7f, 0f], dataset.Votes.Select(v => (float)Math.Round(v, 6)).ToArray());
        Assert.Equal(1f, dataset.Features[3]); // regime.high
        Assert.Equal(2f, dataset.Features[4]); // 0.004 / 0.002
        Assert.Equal(0f, dataset.Features[GateNetwork.PresentIndex(0)]); // rule abstained
        Assert.Equal(1f, dataset.Features[GateNetwork.PresentIndex(1)]); // cnn voted
        Assert.Equal(0f, dataset.Features[GateNetwork.PresentIndex(2)]); // rl missing
        Assert.Equal(["trend", "revert", "cnn"], GateDataset.DistinctExperts(GateTestDecisions.Regimes(10, 1)));
    }
}
