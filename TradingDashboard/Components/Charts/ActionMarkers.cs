using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Ui;

namespace TradingDashboard.Components.Charts;

/// <summary>One marker trace: parallel arrays, one entry per marker.</summary>
public sealed record ActionMarkerTrace(string Uid, string Name, IReadOnlyList<object> X, IReadOnlyList<object> Y, IReadOnlyList<string> Text, IReadOnlyList<string> Symbols, IReadOnlyList<string> Colors)
{
    public int Count => X.Count;
}

/// <summary>
/// The orchestrator's decisions and the RL expert's votes of the shown symbol as chart markers, placed on the candle of
/// the chart's timeframe that contains the decision bar's open time. Orchestrator: Buy/Sell that were sent (Entry, Exit)
/// as filled triangles below the low (Buy) or above the high (Sell); Buy/Sell held back by a threshold (avoided entry,
/// kept position) as open triangles; Hold and no-change decisions are not marked. RL: its Buy/Sell votes as diamonds at
/// the close. Where several decisions fall in one candle (1m decisions on a 1h chart) the candle shows the latest
/// sent one, else the latest held one; the RL trace the latest Buy/Sell vote. Hover text: action, confidence, decision,
/// time and the reason (gate weights and the experts' votes). Decisions outside the candles shown are left out.
/// </summary>
public sealed record ActionMarkers(ActionMarkerTrace Orchestrator, ActionMarkerTrace Rl)
{
    public const string OrchestratorUid = "orchestrator-actions";
    public const string RlUid = "rl-votes";
    public const string BuyColor = "#0ecb81";
    public const string SellColor = "#f6465d";
    private const int ReasonLength = 400;

    public static ActionMarkers Empty { get; } = new(
        new ActionMarkerTrace(OrchestratorUid, "Orchestrator actions", [], [], [], [], []),
        new ActionMarkerTrace(RlUid, "RL votes", [], [], [], [], []));

    public static ActionMarkers From(IReadOnlyList<OrchestratorDecision> decisions, string symbol, Timeframe timeframe, IReadOnlyList<OHLCVBar> candles)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        ArgumentNullException.ThrowIfNull(candles);
        if (candles.Count == 0 || decisions.Count == 0)
        {
            return Empty;
        }

        var byOpen = new Dictionary<long, OHLCVBar>(candles.Count);
        foreach (var candle in candles)
        {
            byOpen[candle.OpenTimeMs] = candle;
        }

        // Per candle: the latest sent decision wins over held ones; decisions come oldest first.
        var orchestrator = new SortedDictionary<long, OrchestratorDecision>();
        var rl = new SortedDictionary<long, (OrchestratorDecision Decision, ExpertVote Vote)>();
        foreach (var decision in decisions)
        {
            if (!string.Equals(decision.Action.Symbol, symbol, StringComparison.OrdinalIgnoreCase) || decision.BarOpenTimeMs is not { } open)
            {
                continue;
            }

            var bucket = timeframe.BucketStart(open);
            if (!byOpen.ContainsKey(bucket))
            {
                continue;
            }

            if (IsMarked(decision.Kind) && (!orchestrator.TryGetValue(bucket, out var shown) || IsSent(decision.Kind) || !IsSent(shown.Kind)))
            {
                orchestrator[bucket] = decision;
            }

            foreach (var record in decision.Votes)
            {
                if (string.Equals(record.Expert, "rl", StringComparison.Ordinal) && !record.Vote.Abstained && record.Vote.Action != AgentAction.Hold)
                {
                    rl[bucket] = (decision, record.Vote);
                }
            }
        }

        return new ActionMarkers(OrchestratorTrace(orchestrator, byOpen), RlTrace(rl, byOpen));
    }

    private static bool IsMarked(DecisionKind kind) => kind is DecisionKind.Entry or DecisionKind.Exit or DecisionKind.AvoidedEntry or DecisionKind.HeldExit;

    private static bool IsSent(DecisionKind kind) => kind is DecisionKind.Entry or DecisionKind.Exit;

    private static ActionMarkerTrace OrchestratorTrace(SortedDictionary<long, OrchestratorDecision> marked, Dictionary<long, OHLCVBar> candles)
    {
        var x = new List<object>(marked.Count);
        var y = new List<object>(marked.Count);
        var text = new List<string>(marked.Count);
        var symbols = new List<string>(marked.Count);
        var colors = new List<string>(marked.Count);
        foreach (var (bucket, decision) in marked)
        {
            var candle = candles[bucket];
            var buy = decision.Combined == AgentAction.Buy;
            var sent = IsSent(decision.Kind);
            x.Add(CandleSeries.FormatTime(bucket));
            y.Add(buy ? candle.Low : candle.High);
            symbols.Add((buy ? "triangle-up" : "triangle-down") + (sent ? string.Empty : "-open"));
            colors.Add(buy ? BuyColor : SellColor);
            text.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"Orchestrator {decision.Combined.ToString().ToUpperInvariant()} · confidence {decision.CombinedConfidence * 100:0.0} % · {Describe(decision.Kind)}<br>{DisplayFormat.DateTime(decision.Action.Time)} · gate {decision.Gate}<br>{Shorten(decision.Action.Reason)}"));
        }

        return new ActionMarkerTrace(OrchestratorUid, "Orchestrator actions", x, y, text, symbols, colors);
    }

    private static ActionMarkerTrace RlTrace(SortedDictionary<long, (OrchestratorDecision Decision, ExpertVote Vote)> votes, Dictionary<long, OHLCVBar> candles)
    {
        var x = new List<object>(votes.Count);
        var y = new List<object>(votes.Count);
        var text = new List<string>(votes.Count);
        var symbols = new List<string>(votes.Count);
        var colors = new List<string>(votes.Count);
        foreach (var (bucket, (decision, vote)) in votes)
        {
            var buy = vote.Action == AgentAction.Buy;
            x.Add(CandleSeries.FormatTime(bucket));
            y.Add(decision.BarClose ?? candles[bucket].Close);
            symbols.Add("diamond");
            colors.Add(buy ? BuyColor : SellColor);
            text.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"RL vote {vote.Action.ToString().ToUpperInvariant()} · confidence {vote.Confidence * 100:0.0} %<br>{DisplayFormat.DateTime(decision.Action.Time)}<br>{Shorten(vote.Reason)}"));
        }

        return new ActionMarkerTrace(RlUid, "RL votes", x, y, text, symbols, colors);
    }

    private static string Describe(DecisionKind kind) => kind switch
    {
        DecisionKind.Entry => "entry sent",
        DecisionKind.Exit => "exit sent",
        DecisionKind.AvoidedEntry => "entry avoided (below the entry threshold)",
        DecisionKind.HeldExit => "position kept (below the exit threshold)",
        _ => kind.ToString(),
    };

    private static string Shorten(string reason) => reason.Length <= ReasonLength ? reason : string.Concat(reason.AsSpan(0, ReasonLength), "…");
}
