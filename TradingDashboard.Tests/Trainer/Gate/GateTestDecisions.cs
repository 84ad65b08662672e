using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Trainer.Gate;

/// <summary>One expert's part in a synthetic decision.</summary>
internal sealed record TestVote(string Expert, AgentAction Action, double Confidence, int Hits = 50, int Scored = 100, bool Abstained = false);

/// <summary>Synthetic decision outcomes for the gate tests.</summary>
internal static class GateTestDecisions
{
    public static readonly DateTimeOffset Start = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);

    public static DecisionOutcome Decision(DateTimeOffset time, VolatilityRegimeKind regime, double? forwardReturn, IReadOnlyList<TestVote> votes, string symbol = "ETHUSDT", int horizon = 1)
    {
        var volatility = regime switch
        {
            VolatilityRegimeKind.High => new VolatilityRegime(regime, 0.004, 0.002),
            VolatilityRegimeKind.Low => new VolatilityRegime(regime, 0.001, 0.002),
            VolatilityRegimeKind.Normal => new VolatilityRegime(regime, 0.002, 0.002),
            _ => VolatilityRegime.Unknown,
        };
        var inputs = votes.Select(v => new ExpertGateInput(
            v.Expert,
            v.Abstained ? ExpertVote.Abstain("no model") : new ExpertVote(v.Action, v.Confidence, "test"),
            v.Scored == 0 ? null : (double)v.Hits / v.Scored,
            v.Scored,
            v.Hits)).ToList();
        var context = new GateContext(symbol, time, volatility, inputs);
        var weights = new RecentAccuracyGate(0.1).Weigh(context);
        return new DecisionOutcome(context, RecentAccuracyGate.GateName, weights, AgentAction.Hold, 0, DecisionKind.Hold, "backtest", 100,
            horizon, forwardReturn, forwardReturn is null ? null : time.AddMinutes(horizon));
    }

    /// <summary>
    /// Regimes in blocks of 5..30 decisions, alternating High and Low. "trend" is always right in High and votes at random
    /// in Low; "revert" is always right in Low and random in High; "cnn" abstains 30% of the time and votes at random.
    /// All confidences fixed; recorded hit counts random (uninformative), so the recent-accuracy gate cannot tell.
    /// </summary>
    public static List<DecisionOutcome> Regimes(int count, int seed)
    {
        var random = new Random(seed);
        var decisions = new List<DecisionOutcome>(count);
        var regime = VolatilityRegimeKind.High;
        var left = random.Next(5, 31);
        for (var n = 0; n < count; n++)
        {
            if (left-- == 0)
            {
                regime = regime == VolatilityRegimeKind.High ? VolatilityRegimeKind.Low : VolatilityRegimeKind.High;
                left = random.Next(5, 31);
            }

            var up = random.NextDouble() < 0.5;
            var magnitude = (0.5 + random.NextDouble()) * (regime == VolatilityRegimeKind.High ? 0.004 : 0.002);
            var r = up ? magnitude : -magnitude;
            var right = up ? AgentAction.Buy : AgentAction.Sell;
            AgentAction RandomSide() => random.NextDouble() < 0.5 ? AgentAction.Buy : AgentAction.Sell;
            var trend = regime == VolatilityRegimeKind.High ? right : RandomSide();
            var revert = regime == VolatilityRegimeKind.Low ? right : RandomSide();
            var cnnAbstains = random.NextDouble() < 0.3;
            decisions.Add(Decision(Start.AddMinutes(n), regime, r,
            [
                new TestVote("trend", trend, 0.8, random.Next(40, 80)),
                new TestVote("revert", revert, 0.8, random.Next(40, 80)),
                new TestVote("cnn", RandomSide(), 0.6, random.Next(40, 80), Abstained: cnnAbstains),
            ]));
        }

        return decisions;
    }
}
