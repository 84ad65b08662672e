using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Orchestration;

/// <summary>The experts' parts of the orchestrator's trades, checked against hand-computed figures.</summary>
public sealed class PnlAttributionTests
{
    private const int Precision = 12;
    private static readonly DateTimeOffset T = new(2025, 1, 6, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A decision of <paramref name="kind"/> for ETHUSDT at <paramref name="close"/>, with the votes given as (expert, action, confidence, weight).</summary>
    private static OrchestratorDecision Decision(
        DecisionKind kind, AgentAction action, double close, int minute, decimal? targetFraction, params (string Expert, AgentAction Action, double Confidence, double Weight)[] votes)
    {
        var time = T.AddMinutes(minute);
        var records = votes.Select(v => new ExpertVoteRecord(v.Expert, ExpertVote.Create(v.Action, v.Confidence, "test"), v.Weight)).ToArray();
        var target = targetFraction is { } f ? new PositionTarget("ETHUSDT", f, Orchestrator.Source, 0.7, "test", time) : null;
        return new OrchestratorDecision(
            new TradingAction("ETHUSDT", action, 0.7, Orchestrator.Source, "test", time),
            action, 0.7, kind, new ConfidenceThresholds(0.6, 0.4), "fixed", VolatilityRegime.Unknown, records, target)
        {
            BarClose = close,
            BarOpenTimeMs = time.ToUnixTimeMilliseconds(),
        };
    }

    private static double Contribution(IReadOnlyList<ExpertScore> board, string expert) => board.Single(s => s.Expert == expert).PnlContribution!.Value;

    [Fact]
    public void A_long_trade_2_percent_up_is_split_by_the_experts_positive_parts_after_fees()
    {
        var attribution = new PnlAttribution(feeRate: 0.001);
        // Entry: a Buy 0.8 at weight 0.6 (0.48), b Buy 0.5 at weight 0.3 (0.15), c Sell 0.6 at weight 0.1 (-0.06, against).
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 2000, 0, 0.5m, ("a", AgentAction.Buy, 0.8, 0.6), ("b", AgentAction.Buy, 0.5, 0.3), ("c", AgentAction.Sell, 0.6, 0.1)));
        // Holds and avoided entries in between change nothing.
        attribution.Observe(Decision(DecisionKind.Hold, AgentAction.Hold, 2100, 1, null, ("a", AgentAction.Hold, 0, 1)));
        attribution.Observe(Decision(DecisionKind.HeldExit, AgentAction.Hold, 2100, 2, null, ("a", AgentAction.Sell, 0.2, 1)));
        var trade = attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 2040, 3, 0m, ("a", AgentAction.Sell, 0.9, 1)));

        // By hand: shares a = 0.48 / 0.63, b = 0.15 / 0.63, c = 0; r = 0.5 x (2040 / 2000 - 1 - 2 x 0.001) = 0.5 x 0.018 = 0.009.
        const double r = 0.009;
        Assert.NotNull(trade);
        Assert.Equal(1, trade!.Side);
        Assert.Equal(r, trade.Return, Precision);
        Assert.Equal(0.5, trade.Fraction, Precision);
        Assert.Equal(T.AddMinutes(3), trade.ExitTime);
        Assert.False(trade.Shares.ContainsKey("c"));

        var board = attribution.Merge([new ExpertScore("a", 4, 3, 0, 0, null, 0), new ExpertScore("b", 1, 1, 0, 0, null, 0), new ExpertScore("c", 1, 1, 0, 0, null, 0), new ExpertScore("d", 0, 0, 0, 0, null, 0)]);
        Assert.Equal(0.48 / 0.63 * r, Contribution(board, "a"), Precision);
        Assert.Equal(0.15 / 0.63 * r, Contribution(board, "b"), Precision);
        Assert.Equal(0.0, Contribution(board, "c"), Precision);
        Assert.Equal(1, board.Single(s => s.Expert == "a").AttributedTrades);
        Assert.Equal(0, board.Single(s => s.Expert == "c").AttributedTrades);
        Assert.Equal(0.0, Contribution(board, "d"), Precision);
        Assert.Equal(0.0068571428571, Contribution(board, "a"), 10);
        Assert.Equal(1, attribution.ClosedTrades);
        Assert.Same(trade, attribution.LastTrade);
        Assert.Equal(["a", "b"], attribution.Snapshot().Select(e => e.Expert));
    }

    [Fact]
    public void Before_any_closed_trade_the_contribution_is_unknown_and_an_exit_without_a_position_does_nothing()
    {
        var attribution = new PnlAttribution();
        Assert.Null(attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 2040, 0, 0m, ("a", AgentAction.Sell, 0.9, 1))));

        ExpertScore[] scores = [new("a", 1, 1, 0, 0, null, 0)];
        var board = attribution.Merge(scores);
        Assert.Null(board.Single().PnlContribution);
        Assert.Equal(0, board.Single().AttributedTrades);
        Assert.Equal(0, attribution.ClosedTrades);
        Assert.Null(attribution.LastTrade);
        Assert.Empty(attribution.Snapshot());
    }

    [Fact]
    public void A_short_that_falls_earns_and_a_long_exit_does_not_close_it()
    {
        var attribution = new PnlAttribution(feeRate: 0.001);
        // Short entry (target -0.25): a Sell 1.0 at 0.75 (0.75 in the short's direction), b Buy 0.4 at 0.25 (against).
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Sell, 2000, 0, -0.25m, ("a", AgentAction.Sell, 1.0, 0.75), ("b", AgentAction.Buy, 0.4, 0.25)));
        // A Sell exit cannot close a short: ignored.
        Assert.Null(attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 1900, 1, 0m, ("a", AgentAction.Sell, 1.0, 1))));
        var trade = attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Buy, 1960, 2, 0.5m, ("b", AgentAction.Buy, 1.0, 1)));

        // By hand: side -1, r = 0.25 x (-(1960 / 2000 - 1) - 0.002) = 0.25 x (0.02 - 0.002) = 0.0045, all to a.
        Assert.Equal(-1, trade!.Side);
        Assert.Equal(0.0045, trade.Return, Precision);
        var board = attribution.Merge([new ExpertScore("a", 1, 1, 0, 0, null, 0), new ExpertScore("b", 1, 1, 0, 0, null, 0)]);
        Assert.Equal(0.0045, Contribution(board, "a"), Precision);
        Assert.Equal(0.0, Contribution(board, "b"), Precision);
    }

    [Fact]
    public void A_losing_long_is_negative_and_trades_add_up()
    {
        var attribution = new PnlAttribution(feeRate: 0);
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 100, 0, 1m, ("a", AgentAction.Buy, 1.0, 0.5), ("b", AgentAction.Buy, 1.0, 0.5)));
        attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 90, 1, 0m, ("a", AgentAction.Sell, 1.0, 1)));
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 100, 2, 1m, ("a", AgentAction.Buy, 1.0, 1.0), ("b", AgentAction.Hold, 1.0, 0.0)));
        attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 104, 3, 0m, ("a", AgentAction.Sell, 1.0, 1)));

        // By hand: trade 1 r = -0.10 split 50/50; trade 2 r = +0.04 all to a.
        var board = attribution.Merge([new ExpertScore("a", 1, 1, 0, 0, null, 0), new ExpertScore("b", 1, 1, 0, 0, null, 0)]);
        Assert.Equal(-0.05 + 0.04, Contribution(board, "a"), Precision);
        Assert.Equal(-0.05, Contribution(board, "b"), Precision);
        Assert.Equal(2, board[0].AttributedTrades);
        Assert.Equal(1, board[1].AttributedTrades);
    }

    [Fact]
    public void Warm_up_decisions_are_ignored()
    {
        var attribution = new PnlAttribution();
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 2000, 0, 0.5m, ("a", AgentAction.Buy, 1.0, 1)), warmup: true);
        Assert.Null(attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 2200, 1, 0m, ("a", AgentAction.Sell, 1.0, 1))));
        // A warm-up exit does not close a live entry either.
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 2000, 2, 0.5m, ("a", AgentAction.Buy, 1.0, 1)));
        Assert.Null(attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 2200, 3, 0m, ("a", AgentAction.Sell, 1.0, 1)), warmup: true));
        Assert.Equal(0, attribution.ClosedTrades);
    }

    [Fact]
    public void A_second_entry_while_open_replaces_the_first_unattributed()
    {
        var attribution = new PnlAttribution(feeRate: 0);
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 100, 0, 1m, ("a", AgentAction.Buy, 1.0, 1.0), ("b", AgentAction.Hold, 0, 0)));
        attribution.Observe(Decision(DecisionKind.Entry, AgentAction.Buy, 200, 1, 1m, ("a", AgentAction.Hold, 0, 0), ("b", AgentAction.Buy, 1.0, 1.0)));
        var trade = attribution.Observe(Decision(DecisionKind.Exit, AgentAction.Sell, 210, 2, 0m, ("a", AgentAction.Sell, 1.0, 1)));

        Assert.Equal(1, attribution.ReplacedEntries);
        Assert.Equal(200, trade!.EntryClose);
        Assert.Equal(0.05, trade.Return, Precision);
        Assert.Equal(["b"], attribution.Snapshot().Select(e => e.Expert));
    }

    [Theory]
    [InlineData(-0.001)]
    [InlineData(0.1)]
    [InlineData(double.NaN)]
    public void A_bad_fee_rate_is_refused(double feeRate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PnlAttribution(feeRate));
}
