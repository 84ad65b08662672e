using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Orchestration.OrchestrationTestKit;

namespace TradingDashboard.Tests.Orchestration;

public sealed class OrchestratorTests : IDisposable
{
    private readonly ThresholdTestDatabase _db = new(entry: 0.6, exit: 0.4);
    private readonly ScriptedExpert _a = new("a");
    private readonly ScriptedExpert _b = new("b");

    public void Dispose() => _db.Dispose();

    private Orchestrator Create(IGate gate, bool shortEnabled = false) =>
        new([_a, _b], gate, new ExpertScoreboard(1, 10), _db.Store, Mapper(shortEnabled), new VolatilityTracker(2, 3));

    [Fact]
    public void Combine_is_the_weighted_signed_confidence_by_hand()
    {
        ExpertVote[] votes =
        [
            ExpertVote.Create(AgentAction.Buy, 1.0, "x"),
            ExpertVote.Create(AgentAction.Sell, 0.8, "y"),
            ExpertVote.Create(AgentAction.Hold, 0.5, "z"),
        ];

        // 0.5 x 1.0 - 0.3 x 0.8 + 0.2 x 0 = 0.26
        var (action, confidence) = Orchestrator.Combine(votes, [0.5, 0.3, 0.2]);
        Assert.Equal(AgentAction.Buy, action);
        Assert.Equal(0.26, confidence, 12);

        // 0.2 x 1.0 - 0.8 x 0.8 = -0.44
        (action, confidence) = Orchestrator.Combine(votes, [0.2, 0.8, 0.0]);
        Assert.Equal(AgentAction.Sell, action);
        Assert.Equal(0.44, confidence, 12);

        // 0.4 x 1.0 - 0.5 x 0.8 = 0: a tie holds.
        (action, confidence) = Orchestrator.Combine(votes, [0.4, 0.5, 0.1]);
        Assert.Equal(AgentAction.Hold, action);
        Assert.Equal(0, confidence);
    }

    [Theory]
    [InlineData(0.59, DecisionKind.AvoidedEntry, AgentAction.Hold)]
    [InlineData(0.60, DecisionKind.Entry, AgentAction.Buy)]
    [InlineData(0.61, DecisionKind.Entry, AgentAction.Buy)]
    public void An_entry_needs_the_entry_threshold(double confidence, DecisionKind kind, AgentAction action)
    {
        // Weights 1/0: the combined confidence is expert a's own.
        var orchestrator = Create(new FixedGate(1.0, 0.0));
        _a.Next = ExpertVote.Create(AgentAction.Buy, confidence, "breakout");
        var bar = Bar(0, 100);

        var decision = orchestrator.Decide(bar, position: 0m, CloseOf(bar));

        Assert.Equal(kind, decision.Kind);
        Assert.Equal(action, decision.Action.Action);
        Assert.Equal(AgentAction.Buy, decision.Combined);
        Assert.Equal(confidence, decision.Action.Confidence, 12);
        Assert.Equal("orchestrator", decision.Action.Source);
        if (kind == DecisionKind.Entry)
        {
            Assert.NotNull(decision.Target);
            Assert.Equal(0.5m, decision.Target!.TargetFraction);
            Assert.Equal("orchestrator", decision.Target.Source);
            Assert.Equal(confidence, decision.Target.Confidence, 12);
            Assert.Equal(1, orchestrator.Stats.Entries);
        }
        else
        {
            Assert.Null(decision.Target);
            Assert.Equal(1, orchestrator.Stats.AvoidedEntries);
            Assert.Contains("avoided entry", decision.Action.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(0.39, DecisionKind.HeldExit, AgentAction.Hold)]
    [InlineData(0.41, DecisionKind.Exit, AgentAction.Sell)]
    public void An_exit_needs_only_the_exit_threshold(double confidence, DecisionKind kind, AgentAction action)
    {
        var orchestrator = Create(new FixedGate(1.0, 0.0));
        _a.Next = ExpertVote.Create(AgentAction.Sell, confidence, "pivot low broken");
        var bar = Bar(0, 100);

        var decision = orchestrator.Decide(bar, position: 2m, CloseOf(bar));

        Assert.Equal(kind, decision.Kind);
        Assert.Equal(action, decision.Action.Action);
        if (kind == DecisionKind.Exit)
        {
            // ActionMapper on spot: Sell is a flat target.
            Assert.Equal(0m, decision.Target!.TargetFraction);
        }
        else
        {
            Assert.Null(decision.Target);
            Assert.Equal(1, orchestrator.Stats.HeldExits);
        }
    }

    [Fact]
    public void Sell_when_flat_on_spot_and_buy_when_long_change_nothing_short_enabled_sell_is_an_entry()
    {
        var orchestrator = Create(new FixedGate(1.0, 0.0));
        _a.Next = ExpertVote.Create(AgentAction.Sell, 0.9, "s");
        Assert.Equal(DecisionKind.NoChange, orchestrator.Decide(Bar(0, 100), 0m, CloseOf(Bar(0, 100))).Kind);
        _a.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "b");
        Assert.Equal(DecisionKind.NoChange, orchestrator.Decide(Bar(1, 100), 1m, CloseOf(Bar(1, 100))).Kind);

        var shorting = Create(new FixedGate(1.0, 0.0), shortEnabled: true);
        _a.Next = ExpertVote.Create(AgentAction.Sell, 0.55, "s");
        Assert.Equal(DecisionKind.AvoidedEntry, shorting.Decide(Bar(2, 100), 0m, CloseOf(Bar(2, 100))).Kind);
        _a.Next = ExpertVote.Create(AgentAction.Sell, 0.65, "s");
        var entry = shorting.Decide(Bar(3, 100), 0m, CloseOf(Bar(3, 100)));
        Assert.Equal(DecisionKind.Entry, entry.Kind);
        Assert.Equal(-0.5m, entry.Target!.TargetFraction);
    }

    [Fact]
    public async Task A_threshold_change_applies_to_the_next_decision()
    {
        var orchestrator = Create(new FixedGate(0.5, 0.5));
        // 0.5 x 0.9 + 0.5 x 0.2 = 0.55: below the default entry 0.6.
        _a.Next = ExpertVote.Create(AgentAction.Buy, 0.9, "a");
        _b.Next = ExpertVote.Create(AgentAction.Buy, 0.2, "b");
        var first = orchestrator.Decide(Bar(0, 100), 0m, CloseOf(Bar(0, 100)));
        Assert.Equal(DecisionKind.AvoidedEntry, first.Kind);
        Assert.Equal(0.55, first.CombinedConfidence, 12);
        Assert.True(first.Thresholds.IsDefault);

        await _db.Store.SetAsync(RiskTestKit.Admin, "ETHUSDT", entry: 0.5, exit: 0.3);

        var second = orchestrator.Decide(Bar(1, 100), 0m, CloseOf(Bar(1, 100)));
        Assert.Equal(DecisionKind.Entry, second.Kind);
        Assert.Equal(AgentAction.Buy, second.Action.Action);
        Assert.Equal(0.5, second.Thresholds.Entry);
        // Another symbol keeps the defaults.
        Assert.Equal(DecisionKind.AvoidedEntry, orchestrator.Decide(Bar(1, 100, "BTCUSDT"), 0m, CloseOf(Bar(1, 100))).Kind);
    }

    [Fact]
    public void The_reason_carries_the_gate_weights_and_every_vote_and_abstentions_weigh_nothing()
    {
        var orchestrator = new Orchestrator([_a, _b], new RecentAccuracyGate(0.1), new ExpertScoreboard(1, 10), _db.Store, Mapper(), new VolatilityTracker(2, 3));
        _a.Next = ExpertVote.Create(AgentAction.Buy, 0.7, "close above L2 pivot high");
        _b.Next = ExpertVote.Abstain("no active cnn model");

        var decision = orchestrator.Decide(Bar(0, 100), 0m, CloseOf(Bar(0, 100)));

        Assert.Equal([1.0, 0.0], decision.Votes.Select(v => v.Weight));
        Assert.Equal(0.7, decision.CombinedConfidence, 12);
        Assert.Equal(DecisionKind.Entry, decision.Kind);
        Assert.Contains("a w=1.000 Buy 0.70 (close above L2 pivot high)", decision.Action.Reason, StringComparison.Ordinal);
        Assert.Contains("b w=0.000 abstain (no active cnn model)", decision.Action.Reason, StringComparison.Ordinal);
        Assert.Contains("gate recent-accuracy", decision.Action.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_every_expert_abstains_it_holds()
    {
        var orchestrator = new Orchestrator([_a, _b], new RecentAccuracyGate(0.1), new ExpertScoreboard(1, 10), _db.Store, Mapper(), new VolatilityTracker(2, 3));
        _a.Next = ExpertVote.Abstain("x");
        _b.Next = ExpertVote.Abstain("y");

        var decision = orchestrator.Decide(Bar(0, 100), 0m, CloseOf(Bar(0, 100)));

        Assert.Equal(DecisionKind.Hold, decision.Kind);
        Assert.Equal(0, decision.CombinedConfidence);
        Assert.All(decision.Votes, v => Assert.Equal(0, v.Weight));
    }

    [Fact]
    public void The_gate_learns_to_follow_the_expert_that_is_right()
    {
        // Price rises every bar: a (always Buy) is right, b (always Sell) is wrong; horizon 1.
        var orchestrator = new Orchestrator([_a, _b], new RecentAccuracyGate(0.1), new ExpertScoreboard(1, 50), _db.Store, Mapper(), new VolatilityTracker(2, 3));
        _a.Next = ExpertVote.Create(AgentAction.Buy, 1.0, "up");
        _b.Next = ExpertVote.Create(AgentAction.Sell, 1.0, "down");
        OrchestratorDecision? last = null;
        for (var i = 0; i < 12; i++)
        {
            last = orchestrator.Decide(Bar(i, 100 + i), 0m, CloseOf(Bar(i, 100 + i)));
        }

        // Before the 12th decision 11 votes each were scored: a 11/11, b 0/11.
        var aAccuracy = (11 + 1.0) / (11 + 2.0);
        var bAccuracy = (0 + 1.0) / (11 + 2.0);
        var expectedA = 1 / (1 + Math.Exp((bAccuracy - aAccuracy) / 0.1));
        Assert.Equal(expectedA, last!.Votes[0].Weight, 9);
        Assert.Equal(1 - expectedA, last.Votes[1].Weight, 9);
        Assert.Equal(AgentAction.Buy, last.Combined);
        Assert.Equal(expectedA - (1 - expectedA), last.CombinedConfidence, 9);
        var board = orchestrator.Scoreboard.Snapshot();
        Assert.Equal(1.0, board.Single(s => s.Expert == "a").Accuracy);
        Assert.Equal(0.0, board.Single(s => s.Expert == "b").Accuracy);
    }

    [Fact]
    public void Warmup_decisions_are_not_counted()
    {
        var orchestrator = Create(new FixedGate(1.0, 0.0));
        _a.Next = ExpertVote.Create(AgentAction.Buy, 0.1, "weak");
        orchestrator.Decide(Bar(0, 100), 0m, CloseOf(Bar(0, 100)), warmup: true);
        Assert.Equal(0, orchestrator.Stats.Decisions);
        Assert.True(_a.Seen.Single().IsWarmup);
    }
}
