using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Orchestration;

public sealed class GateAndScoreboardTests
{
    private static readonly ExpertVote Buy = ExpertVote.Create(AgentAction.Buy, 1, "b");
    private static readonly ExpertVote Sell = ExpertVote.Create(AgentAction.Sell, 1, "s");
    private static readonly ExpertVote Hold = ExpertVote.Create(AgentAction.Hold, 0, "h");

    private static GateContext Context(params ExpertGateInput[] experts) =>
        new("ETHUSDT", DateTimeOffset.UnixEpoch, VolatilityRegime.Unknown, experts);

    [Fact]
    public void Weights_are_a_softmax_of_the_smoothed_hit_rate_and_sum_to_one()
    {
        var gate = new RecentAccuracyGate(0.1);
        var weights = gate.Weigh(Context(
            new ExpertGateInput("a", Buy, 0.8, 10, 8),
            new ExpertGateInput("b", Sell, 0.2, 10, 2),
            new ExpertGateInput("c", Hold, null, 0, 0)));

        // a: 9/12 = 0.75, b: 3/12 = 0.25, c: 1/2 = 0.5 (no record yet); exp(a / 0.1) normalised.
        double[] raw = [Math.Exp(7.5), Math.Exp(2.5), Math.Exp(5.0)];
        var sum = raw.Sum();
        Assert.Equal(raw[0] / sum, weights[0], 12);
        Assert.Equal(raw[1] / sum, weights[1], 12);
        Assert.Equal(raw[2] / sum, weights[2], 12);
        Assert.Equal(1.0, weights.Sum(), 12);
        Assert.True(weights[0] > weights[2] && weights[2] > weights[1]);
    }

    [Fact]
    public void Abstainers_get_zero_and_the_rest_still_sum_to_one_equal_records_share_equally()
    {
        var gate = new RecentAccuracyGate(0.5);
        var weights = gate.Weigh(Context(
            new ExpertGateInput("a", Buy, 0.5, 4, 2),
            new ExpertGateInput("b", ExpertVote.Abstain("no model"), 1.0, 50, 50),
            new ExpertGateInput("c", Sell, 0.5, 4, 2)));

        Assert.Equal([0.5, 0.0, 0.5], weights.Select(w => Math.Round(w, 12)));
    }

    [Fact]
    public void A_tiny_temperature_does_not_overflow()
    {
        var weights = new RecentAccuracyGate(1e-6).Weigh(Context(new ExpertGateInput("a", Buy, 1, 100, 100), new ExpertGateInput("b", Buy, 0, 100, 0)));
        Assert.Equal(1.0, weights[0], 12);
        Assert.Equal(0.0, weights[1], 12);
    }

    [Fact]
    public void Votes_are_scored_against_the_close_horizon_bars_later()
    {
        var board = new ExpertScoreboard(horizonBars: 2, window: 10);
        board.OnBar("ETHUSDT", 100, [("up", Buy), ("down", Sell), ("flat", Hold), ("none", ExpertVote.Abstain("x"))]);
        board.OnBar("ETHUSDT", 90, [("up", Hold), ("down", Hold), ("flat", Hold), ("none", ExpertVote.Abstain("x"))]);
        // Another symbol's bars do not move ETHUSDT's horizon.
        board.OnBar("BTCUSDT", 50_000, [("up", Sell)]);
        Assert.Equal(0, board.Score("up").Scored);

        board.OnBar("ETHUSDT", 110, [("up", Buy), ("down", Buy), ("flat", Hold), ("none", ExpertVote.Abstain("x"))]);

        // Bar 0 close 100 -> bar 2 close 110: r = +0.10. The Buy hit, the Sell missed.
        var up = board.Score("up");
        Assert.Equal(1, up.Scored);
        Assert.Equal(1, up.Hits);
        Assert.Equal(1.0, up.Accuracy);
        Assert.Equal(0.10, up.SignedReturn, 12);
        var down = board.Score("down");
        Assert.Equal(0.0, down.Accuracy);
        Assert.Equal(-0.10, down.SignedReturn, 12);
        Assert.Null(board.Score("flat").Accuracy);
        Assert.Equal(3, board.Score("flat").Votes);
        Assert.Equal(0, board.Score("none").Votes);
        Assert.Equal(["up", "down", "flat", "none"], board.Snapshot().Select(s => s.Expert));

        // Bar 1 (close 90) had no directional ETHUSDT votes; bar 2's votes resolve at bar 4 (close 99: r = -0.1).
        board.OnBar("ETHUSDT", 100, []);
        board.OnBar("ETHUSDT", 99, []);
        Assert.Equal(2, board.Score("up").Scored);
        Assert.Equal(0.5, board.Score("up").Accuracy);
        Assert.Equal(0.10 + (99.0 / 110 - 1), board.Score("up").SignedReturn, 12);
        Assert.Equal(0.0, board.Score("down").Accuracy);
    }

    [Fact]
    public void Only_the_last_window_of_scored_votes_counts()
    {
        var board = new ExpertScoreboard(horizonBars: 1, window: 3);
        double[] closes = [100, 101, 102, 103, 102, 101, 100];
        foreach (var close in closes)
        {
            board.OnBar("ETHUSDT", close, [("a", Buy)]);
        }

        // Scored moves: +,+,+,-,-,- ; the window keeps the last three misses.
        var a = board.Score("a");
        Assert.Equal(3, a.Scored);
        Assert.Equal(0, a.Hits);
        Assert.Equal(7, a.DirectionalVotes);
        Assert.Equal(7, a.Votes);
    }

    [Fact]
    public void Volatility_regime_compares_the_short_and_long_windows()
    {
        var tracker = new VolatilityTracker(2, 4);
        Assert.Equal(VolatilityRegimeKind.Unknown, tracker.OnClose("X", 100).Kind);
        double[] calm = [100.1, 100, 100.1, 100];
        VolatilityRegime regime = VolatilityRegime.Unknown;
        foreach (var close in calm)
        {
            regime = tracker.OnClose("X", close);
        }

        Assert.Equal(VolatilityRegimeKind.Normal, regime.Kind);
        tracker.OnClose("X", 110);
        regime = tracker.OnClose("X", 95);
        Assert.Equal(VolatilityRegimeKind.High, regime.Kind);
        Assert.True(regime.ShortVolatility > regime.LongVolatility);
    }
}
