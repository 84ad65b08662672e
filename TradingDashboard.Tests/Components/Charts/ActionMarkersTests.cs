using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class ActionMarkersTests
{
    private static readonly long T0 = new DateTimeOffset(2025, 1, 20, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static OHLCVBar Candle(Timeframe timeframe, long openMs, double low, double high, double close) =>
        new("binance", "ETHUSDT", timeframe, openMs, close, high, low, close, 1, true);

    private static OrchestratorDecision Decision(long barOpenMs, AgentAction combined, DecisionKind kind, double confidence, AgentAction? rlVote = null, string symbol = "ETHUSDT")
    {
        var votes = new List<ExpertVoteRecord> { new("rule", ExpertVote.Create(combined, 1, "rule says so"), 0.5) };
        if (rlVote is { } rl)
        {
            votes.Add(new ExpertVoteRecord("rl", ExpertVote.Create(rl, 0.7, "policy greedy action"), 0.5));
        }

        var time = DateTimeOffset.FromUnixTimeMilliseconds(barOpenMs + 60_000);
        var final = kind is DecisionKind.Entry or DecisionKind.Exit ? combined : AgentAction.Hold;
        return new OrchestratorDecision(
            new TradingAction(symbol, final, confidence, "orchestrator", "reason text", time),
            combined, confidence, kind, new ConfidenceThresholds(0.6, 0.4), "recent-accuracy", VolatilityRegime.Unknown, votes, null)
        {
            BarOpenTimeMs = barOpenMs,
            BarClose = 101.5,
        };
    }

    [Fact]
    public void Sent_and_held_actions_are_placed_on_their_candle_below_the_low_for_buy_and_above_the_high_for_sell()
    {
        var candles = Enumerable.Range(0, 5).Select(i => Candle(Timeframe.OneMinute, T0 + i * 60_000L, 100 - i, 110 + i, 105)).ToList();
        OrchestratorDecision[] decisions =
        [
            Decision(T0 + 60_000, AgentAction.Buy, DecisionKind.Entry, 0.8),
            Decision(T0 + 120_000, AgentAction.Hold, DecisionKind.Hold, 0.1),
            Decision(T0 + 180_000, AgentAction.Sell, DecisionKind.HeldExit, 0.3),
            Decision(T0 + 240_000, AgentAction.Sell, DecisionKind.NoChange, 0.9),
        ];

        var markers = ActionMarkers.From(decisions, "ETHUSDT", Timeframe.OneMinute, candles);

        Assert.Equal(2, markers.Orchestrator.Count);
        Assert.Equal(CandleSeries.FormatTime(T0 + 60_000), markers.Orchestrator.X[0]);
        Assert.Equal(99.0, markers.Orchestrator.Y[0]);      // low of candle 1
        Assert.Equal("triangle-up", markers.Orchestrator.Symbols[0]);
        Assert.Equal(ActionMarkers.BuyColor, markers.Orchestrator.Colors[0]);
        Assert.Contains("confidence 80.0 %", markers.Orchestrator.Text[0], StringComparison.Ordinal);
        Assert.Contains("entry sent", markers.Orchestrator.Text[0], StringComparison.Ordinal);
        Assert.Equal(113.0, markers.Orchestrator.Y[1]);     // high of candle 3
        Assert.Equal("triangle-down-open", markers.Orchestrator.Symbols[1]);
        Assert.Contains("position kept", markers.Orchestrator.Text[1], StringComparison.Ordinal);
        Assert.Equal(0, markers.Rl.Count);
    }

    [Fact]
    public void On_a_longer_timeframe_a_candle_shows_its_latest_sent_decision_and_the_latest_rl_vote()
    {
        var hour = Timeframe.OneHour;
        var h0 = hour.BucketStart(T0);
        var candles = new List<OHLCVBar> { Candle(hour, h0, 90, 120, 100), Candle(hour, h0 + 3_600_000, 95, 125, 110) };
        OrchestratorDecision[] decisions =
        [
            Decision(h0 + 60_000, AgentAction.Buy, DecisionKind.Entry, 0.7, AgentAction.Buy),
            Decision(h0 + 120_000, AgentAction.Sell, DecisionKind.HeldExit, 0.2, AgentAction.Sell),
            Decision(h0 + 180_000, AgentAction.Buy, DecisionKind.AvoidedEntry, 0.5, AgentAction.Hold),
            Decision(h0 + 3_600_000 + 60_000, AgentAction.Sell, DecisionKind.Exit, 0.9, AgentAction.Sell, symbol: "BTCUSDT"),
        ];

        var markers = ActionMarkers.From(decisions, "ETHUSDT", hour, candles);

        // Hour 0: the sent entry wins over the later held decisions; the other symbol's decision is not shown.
        Assert.Single(markers.Orchestrator.X);
        Assert.Equal(CandleSeries.FormatTime(h0), markers.Orchestrator.X[0]);
        Assert.Equal("triangle-up", markers.Orchestrator.Symbols[0]);
        Assert.Contains("confidence 70.0 %", markers.Orchestrator.Text[0], StringComparison.Ordinal);
        // RL: the latest Buy/Sell vote in the hour (the Sell at minute 2; the Hold at minute 3 is not a marker), at the close.
        Assert.Single(markers.Rl.X);
        Assert.Equal("diamond", markers.Rl.Symbols[0]);
        Assert.Equal(ActionMarkers.SellColor, markers.Rl.Colors[0]);
        Assert.Equal(101.5, markers.Rl.Y[0]);
        Assert.Contains("RL vote SELL · confidence 70.0 %", markers.Rl.Text[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Decisions_outside_the_candles_shown_or_without_a_bar_time_are_left_out()
    {
        var candles = new List<OHLCVBar> { Candle(Timeframe.OneMinute, T0, 99, 101, 100) };
        var old = Decision(T0 - 600_000, AgentAction.Buy, DecisionKind.Entry, 0.9);
        var untimed = Decision(T0, AgentAction.Buy, DecisionKind.Entry, 0.9) with { BarOpenTimeMs = null };

        var markers = ActionMarkers.From([old, untimed], "ETHUSDT", Timeframe.OneMinute, candles);

        Assert.Equal(0, markers.Orchestrator.Count);
        Assert.Same(ActionMarkers.Empty, ActionMarkers.From([old], "ETHUSDT", Timeframe.OneMinute, []));
    }
}
