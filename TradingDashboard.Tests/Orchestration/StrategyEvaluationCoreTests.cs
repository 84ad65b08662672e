using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using static TradingDashboard.Tests.Orchestration.OrchestrationTestKit;

namespace TradingDashboard.Tests.Orchestration;

/// <summary>The offline plumbing of evaluate-strategy: prediction tables, the orchestrator as a strategy, the random policy.</summary>
public sealed class StrategyEvaluationCoreTests
{
    /// <summary>A backtest context the test drives: the position and the warm-up flag are set by hand.</summary>
    private sealed class Context : IStrategyContext
    {
        public DateTimeOffset Now { get; set; }

        public bool IsWarmup { get; set; }

        public decimal Equity => 10_000m;

        public Dictionary<string, decimal> Positions { get; } = [];

        public decimal PositionOf(string symbol) => Positions.GetValueOrDefault(symbol);
    }

    /// <summary>A deterministic expert of the bars alone: Buy after a rising close, Sell after a falling one, confidence from the move.</summary>
    private sealed class MomentumExpert(string name) : IExpert
    {
        private readonly Dictionary<string, double> _last = [];

        public string Name => name;

        public ExpertVote Vote(ExpertContext context)
        {
            var close = context.Bar.Close;
            var had = _last.TryGetValue(context.Symbol, out var previous);
            _last[context.Symbol] = close;
            if (!had)
            {
                return ExpertVote.Abstain("first bar");
            }

            var move = (close / previous) - 1;
            return move == 0
                ? ExpertVote.Create(AgentAction.Hold, 0.5, "flat")
                : ExpertVote.Create(move > 0 ? AgentAction.Buy : AgentAction.Sell, Math.Min(1, Math.Abs(move) * 50), "move");
        }
    }

    /// <summary>Records every context the wrapped gate weighs.</summary>
    private sealed class RecordingGate(IGate inner) : IGate
    {
        public List<GateContext> Seen { get; } = [];

        public List<IReadOnlyList<double>> Returned { get; } = [];

        public string Name => inner.Name;

        public IReadOnlyList<double> Weigh(GateContext context)
        {
            Seen.Add(context);
            var weights = inner.Weigh(context);
            Returned.Add(weights);
            return weights;
        }
    }

    private static CNNPrediction Prediction(string model, string symbol, long asOfMs, float low = 0.8f) =>
        new(model, "v1", symbol, asOfMs - M, asOfMs,
            [new TimeframePivotPrediction(Timeframe.OneMinute, true, 1 - low, 0, low, low)], [], "CPU", 1);

    private static Orchestrator NewOrchestrator(IEnumerable<IExpert> experts, IGate gate, int horizon = 2, double entry = 0.6, double exit = 0.4) =>
        new(experts, gate, new ExpertScoreboard(horizon, 50), new FixedThresholdStore(["ETHUSDT", "BTCUSDT"], new ConfidenceThresholds(entry, exit)), Mapper(), new VolatilityTracker(2, 4));

    private static readonly double[] Closes = [100, 101, 99, 102, 103, 98, 97, 97, 99, 104, 101, 100];

    [Fact]
    public void Table_source_returns_the_newest_prediction_made_at_or_before_the_close_and_not_too_old()
    {
        // Bar i closes at T0 + (i + 1) M - 1; a frame (and its prediction) of bar i is made at T0 + (i + 1) M.
        var p0 = Prediction("cnn-pivot", "ETHUSDT", T0 + M);
        var p2 = Prediction("cnn-pivot", "ETHUSDT", T0 + (3 * M));
        var other = Prediction("cnn-pivot", "BTCUSDT", T0 + (2 * M));
        var source = new TablePredictionSource(new Dictionary<string, string> { ["cnn"] = "cnn-pivot" }, [p2, other, p0], maxAgeSeconds: 120);

        Assert.True(source.IsServing);
        Assert.Equal("cnn-pivot", source.ActiveModel("cnn"));
        Assert.Null(source.ActiveModel("fasttree-1m"));
        Assert.Equal(3, source.Count);
        Assert.Null(source.Fresh("cnn-pivot", "ETHUSDT", T0 + M - 2)); // before the first prediction: no look-ahead
        Assert.Same(p0, source.Fresh("cnn-pivot", "ETHUSDT", Bar(0, 1).CloseTimeMs)); // made at this close
        Assert.Same(p0, source.Fresh("cnn-pivot", "ETHUSDT", Bar(1, 1).CloseTimeMs)); // 60 s old: still fresh
        Assert.Same(p2, source.Fresh("cnn-pivot", "ETHUSDT", Bar(2, 1).CloseTimeMs)); // the newer one wins
        Assert.Same(p2, source.Fresh("cnn-pivot", "ETHUSDT", Bar(4, 1).CloseTimeMs)); // 119.999 s old
        Assert.Null(source.Fresh("cnn-pivot", "ETHUSDT", Bar(5, 1).CloseTimeMs)); // 179.999 s old: too old
        Assert.Same(other, source.Fresh("cnn-pivot", "BTCUSDT", Bar(1, 1).CloseTimeMs));
        Assert.Null(source.Fresh("fasttree-1m", "ETHUSDT", Bar(2, 1).CloseTimeMs));
        Assert.Throws<ArgumentException>(() => new TablePredictionSource(new Dictionary<string, string>(), [p0, p0], 120));
    }

    [Fact]
    public void Cnn_expert_on_a_table_votes_by_the_pivot_rule_and_abstains_without_a_fresh_prediction()
    {
        var source = new TablePredictionSource(new Dictionary<string, string> { ["cnn"] = "cnn-pivot" }, [Prediction("cnn-pivot", "ETHUSDT", T0 + M, low: 0.7f)], 120);
        var expert = new CnnExpert(source, [Timeframe.OneMinute]);

        var vote = expert.Vote(new ExpertContext(Bar(0, 100), 0, false, CloseOf(Bar(0, 100))));
        Assert.False(vote.Abstained);
        Assert.Equal(AgentAction.Buy, vote.Action);
        Assert.Equal(0.7 * 0.7, vote.Confidence, 6); // P(low) x confidence
        Assert.True(expert.Vote(new ExpertContext(Bar(0, 100, "BTCUSDT"), 0, false, CloseOf(Bar(0, 100)))).Abstained);
        Assert.True(expert.Vote(new ExpertContext(Bar(9, 100), 0, false, CloseOf(Bar(9, 100)))).Abstained);
    }

    [Fact]
    public void Orchestrator_strategy_makes_the_same_decisions_as_calling_decide_directly()
    {
        var viaStrategy = new OrchestratorStrategy("orchestrator", NewOrchestrator([new MomentumExpert("a"), new MomentumExpert("b")], new RecentAccuracyGate(0.1)), Timeframe.OneMinute, ["ETHUSDT"], keepDecisions: true);
        var direct = NewOrchestrator([new MomentumExpert("a"), new MomentumExpert("b")], new RecentAccuracyGate(0.1));
        var context = new Context();
        decimal position = 0;
        for (var i = 0; i < Closes.Length; i++)
        {
            var bar = Bar(i, Closes[i]);
            context.Now = CloseOf(bar);
            context.IsWarmup = i < 3;
            context.Positions["ETHUSDT"] = position;
            var target = viaStrategy.OnBar(bar, context);
            var expected = direct.Decide(bar, position, context.Now, context.IsWarmup);
            var actual = viaStrategy.Decisions[^1];
            Assert.Equal(expected.Action.Action, actual.Action.Action);
            Assert.Equal(expected.Kind, actual.Kind);
            Assert.Equal(expected.CombinedConfidence, actual.CombinedConfidence);
            Assert.Equal(expected.Votes.Select(v => v.Weight), actual.Votes.Select(v => v.Weight));
            Assert.Equal(context.IsWarmup ? null : expected.Target?.TargetFraction, target?.TargetFraction);
            if (target is not null)
            {
                position = target.TargetFraction > 0 ? 1 : 0;
            }
        }

        Assert.Equal(Closes.Length, viaStrategy.Decisions.Count);
        Assert.Equal(Closes.Length - 3, viaStrategy.Outcomes.Count); // warm-up decisions are not recorded

        // The run's PnL attribution against a plain re-computation over the trading-period decisions (fee 0.001 a side).
        var expectedPnl = new Dictionary<string, double> { ["a"] = 0, ["b"] = 0 };
        var closed = 0;
        (double Close, Dictionary<string, double> Parts)? open = null;
        foreach (var d in viaStrategy.Decisions.Skip(3))
        {
            if (d.Kind == DecisionKind.Entry)
            {
                var parts = d.Votes.ToDictionary(v => v.Expert, v => Math.Max(0, v.Weight * v.Vote.Confidence * v.Vote.Direction));
                open = (d.BarClose!.Value, parts);
            }
            else if (d.Kind == DecisionKind.Exit && open is { } o)
            {
                var r = 0.5 * ((d.BarClose!.Value / o.Close) - 1 - 0.002);
                foreach (var (name, part) in o.Parts)
                {
                    expectedPnl[name] += part / o.Parts.Values.Sum() * r;
                }

                closed++;
                open = null;
            }
        }

        Assert.True(closed > 0, "the series should close at least one trade");
        Assert.Equal(closed, viaStrategy.Attribution.ClosedTrades);
        foreach (var score in viaStrategy.Leaderboard)
        {
            Assert.Equal(expectedPnl[score.Expert], score.PnlContribution!.Value, 12);
        }
        Assert.Null(viaStrategy.OnBar(Bar(20, 100, "BTCUSDT"), context)); // not a decided symbol
        Assert.Null(viaStrategy.OnBar(new OHLCVBar("test", "ETHUSDT", Timeframe.OneHour, T0, 1, 1, 1, 1, 1, true), context));
    }

    [Fact]
    public void Decision_outcomes_carry_the_gate_context_the_gate_saw_and_forward_returns_over_the_horizon()
    {
        var gate = new RecordingGate(new RecentAccuracyGate(0.1));
        var strategy = new OrchestratorStrategy("orchestrator", NewOrchestrator([new MomentumExpert("a")], gate, horizon: 2), Timeframe.OneMinute, ["ETHUSDT", "BTCUSDT"]);
        var context = new Context();
        for (var i = 0; i < Closes.Length; i++)
        {
            // Two symbols interleaved; BTC's closes are ETH's times ten, so its forward returns are the same fractions.
            foreach (var (symbol, scale) in new[] { ("ETHUSDT", 1.0), ("BTCUSDT", 10.0) })
            {
                var bar = Bar(i, Closes[i] * scale, symbol);
                context.Now = CloseOf(bar);
                context.IsWarmup = i < 1;
                strategy.OnBar(bar, context);
            }
        }

        var outcomes = strategy.Outcomes;
        Assert.Equal(2 * (Closes.Length - 1), outcomes.Count);
        for (var k = 0; k < outcomes.Count; k++)
        {
            var i = 1 + (k / 2); // decision bar index
            var outcome = outcomes[k];
            Assert.Equal(k % 2 == 0 ? "ETHUSDT" : "BTCUSDT", outcome.Context.Symbol);
            Assert.Equal("backtest", outcome.Mode);
            Assert.Equal(2, outcome.HorizonBars);
            if (i + 2 < Closes.Length)
            {
                Assert.Equal((Closes[i + 2] / Closes[i]) - 1, outcome.ForwardReturn!.Value, 12);
                Assert.Equal(CloseOf(Bar(i + 2, 1)), outcome.ResolvedAt);
            }
            else
            {
                Assert.Null(outcome.ForwardReturn);
                Assert.Null(outcome.ResolvedAt);
            }

            // What the gate weighed at this decision (the recording gate saw the warm-up decisions first).
            var seen = gate.Seen[k + 2];
            Assert.Equal(seen.Symbol, outcome.Context.Symbol);
            Assert.Equal(seen.Time, outcome.Context.Time);
            Assert.Equal(seen.Volatility, outcome.Context.Volatility);
            Assert.Equal(seen.Experts, outcome.Context.Experts);
            Assert.Equal(gate.Returned[k + 2], outcome.Weights);
        }

        // Hand check of one: ETH decision at bar 3 (close 102) resolves at bar 5 (close 98).
        Assert.Equal((98.0 / 102.0) - 1, outcomes[4].ForwardReturn!.Value, 12);
    }

    [Theory]
    [InlineData(AgentAction.Buy, 0.7, 0, DecisionKind.Entry, 0.5)]
    [InlineData(AgentAction.Buy, 0.59, 0, DecisionKind.AvoidedEntry, null)]
    [InlineData(AgentAction.Buy, 0.9, 1, DecisionKind.NoChange, null)]
    [InlineData(AgentAction.Sell, 0.45, 1, DecisionKind.Exit, 0.0)]
    [InlineData(AgentAction.Sell, 0.39, 1, DecisionKind.HeldExit, null)]
    [InlineData(AgentAction.Sell, 1.0, 0, DecisionKind.NoChange, null)]
    [InlineData(AgentAction.Hold, 0.8, 0, DecisionKind.Hold, null)]
    public void A_single_expert_orchestrator_maps_the_experts_vote_through_the_thresholds(AgentAction action, double confidence, int position, DecisionKind kind, double? target)
    {
        var expert = new ScriptedExpert("cnn") { Next = ExpertVote.Create(action, confidence, "scripted") };
        var strategy = new OrchestratorStrategy("cnn", NewOrchestrator([expert], new RecentAccuracyGate(0.1)), Timeframe.OneMinute, ["ETHUSDT"], keepDecisions: true);
        var context = new Context { Now = CloseOf(Bar(0, 100)) };
        context.Positions["ETHUSDT"] = position;

        var result = strategy.OnBar(Bar(0, 100), context);

        var decision = strategy.Decisions.Single();
        Assert.Equal(kind, decision.Kind);
        Assert.Equal(1.0, decision.Votes.Single().Weight); // a lone expert that votes gets weight 1
        Assert.Equal(action == AgentAction.Hold ? 0 : confidence, decision.CombinedConfidence, 12);
        Assert.Equal(target, result is null ? null : (double)result.TargetFraction);
    }

    [Fact]
    public void A_single_expert_that_abstains_makes_the_orchestrator_hold()
    {
        var expert = new ScriptedExpert("fasttree") { Next = ExpertVote.Abstain("no model") };
        var strategy = new OrchestratorStrategy("fasttree", NewOrchestrator([expert], new RecentAccuracyGate(0.1)), Timeframe.OneMinute, ["ETHUSDT"], keepDecisions: true);
        Assert.Null(strategy.OnBar(Bar(0, 100), new Context { Now = CloseOf(Bar(0, 100)) }));
        Assert.Equal(DecisionKind.Hold, strategy.Decisions.Single().Kind);
        Assert.Equal(0.0, strategy.Decisions.Single().Votes.Single().Weight);
    }

    [Fact]
    public void Random_policy_is_deterministic_per_seed_different_across_seeds_and_uniform()
    {
        static List<decimal?> Run(int seed, int bars)
        {
            var random = new RandomStrategy(seed, Mapper(), Timeframe.OneMinute, ["ETHUSDT"]);
            var context = new Context();
            var targets = new List<decimal?>();
            for (var i = 0; i < bars; i++)
            {
                context.Now = CloseOf(Bar(i, 100));
                context.IsWarmup = false;
                targets.Add(random.OnBar(Bar(i, 100), context)?.TargetFraction);
            }

            return targets;
        }

        Assert.Equal(Run(1, 300), Run(1, 300));
        Assert.NotEqual(Run(1, 300), Run(2, 300));

        // Uniform: over 6000 draws each action's count is within 5 standard deviations of 2000 (sd = sqrt(6000 x 1/3 x 2/3) = 36.5).
        var draws = Run(3, 6000);
        Assert.InRange(draws.Count(t => t is null), 1818, 2182);
        Assert.InRange(draws.Count(t => t == 0.5m), 1818, 2182);
        Assert.InRange(draws.Count(t => t == 0m), 1818, 2182);

        // Nothing during warm-up, nor for other symbols.
        var strategy = new RandomStrategy(1, Mapper(), Timeframe.OneMinute, ["ETHUSDT"]);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Null(strategy.OnBar(Bar(i, 100), new Context { IsWarmup = true })));
        Assert.All(Enumerable.Range(0, 50), i => Assert.Null(strategy.OnBar(Bar(i, 100, "BTCUSDT"), new Context())));
    }

    [Fact]
    public void Fixed_threshold_store_gives_the_same_thresholds_to_every_symbol_and_refuses_changes()
    {
        var store = new FixedThresholdStore(["ETHUSDT", "BTCUSDT", "ETHUSDT"], new ConfidenceThresholds(0.7, 0.3));
        Assert.Equal(["ETHUSDT", "BTCUSDT"], store.Symbols);
        Assert.Equal(0.7, store.Get("BTCUSDT").Entry);
        Assert.Equal(0.3, store.Get("ETHUSDT").Exit);
        Assert.Equal(2, store.All.Count);
        Assert.Throws<InvalidOperationException>(() => store.SetAsync(new Core.Security.Actor("admin", Core.Security.UserRole.Admin, null), "ETHUSDT", 0.5, 0.2).GetAwaiter().GetResult());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedThresholdStore(["ETHUSDT"], new ConfidenceThresholds(0.3, 0.5)));
    }
}
