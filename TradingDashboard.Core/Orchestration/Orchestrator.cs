using System.Globalization;
using System.Text;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The design's Orchestrator (docs/orchestrator.md). At each closed bar of the decision timeframe:
/// <list type="number">
/// <item>collects every expert's vote; scores the votes cast <c>horizon</c> bars ago against this close and queues the
/// new ones (<see cref="ExpertScoreboard"/>); updates the volatility regime;</item>
/// <item>asks the gate for weights w_i (sum 1 over the experts that did not abstain);</item>
/// <item>combines: net = sum_i w_i x c_i x d_i with d = +1 Buy, -1 Sell, 0 Hold; the action is Buy when net &gt; 0,
/// Sell when net &lt; 0, Hold when net = 0; the confidence is |net| (0..1);</item>
/// <item>applies the symbol's thresholds: an action that opens a position (Buy when flat, Sell when flat with shorting
/// enabled) needs confidence &gt;= the entry threshold, else it is held and counted as an avoided entry; an action that
/// closes one (Sell when long, Buy when short) needs &gt;= the exit threshold; an action in the direction of the
/// position (or Sell when flat on spot) changes nothing;</item>
/// <item>maps an Entry or Exit to a PositionTarget with <see cref="ActionMapper"/> (its semantics: Buy long,
/// Sell flat on spot or short where enabled), carrying the confidence and the reason.</item>
/// </list>
/// Thresholds are read from the <see cref="IThresholdStore"/> at every decision, so a change applies to the next one.
/// Not thread-safe: one caller feeds bars in time order.
/// </summary>
public sealed class Orchestrator
{
    public const string Source = "orchestrator";

    private readonly IExpert[] _experts;
    private readonly IGate _gate;
    private readonly ExpertScoreboard _scoreboard;
    private readonly IThresholdStore _thresholds;
    private readonly ActionMapper _mapper;
    private readonly VolatilityTracker _volatility;
    private long _decisions;
    private long _entries;
    private long _exits;
    private long _avoidedEntries;
    private long _heldExits;

    public Orchestrator(IEnumerable<IExpert> experts, IGate gate, ExpertScoreboard scoreboard, IThresholdStore thresholds, ActionMapper mapper, VolatilityTracker volatility)
    {
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(gate);
        ArgumentNullException.ThrowIfNull(scoreboard);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(volatility);
        _experts = experts.ToArray();
        if (_experts.Length == 0)
        {
            throw new ArgumentException("The orchestrator needs at least one expert.", nameof(experts));
        }

        var duplicate = _experts.GroupBy(e => e.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two experts are named '{duplicate.Key}'.", nameof(experts));
        }

        _gate = gate;
        _scoreboard = scoreboard;
        _thresholds = thresholds;
        _mapper = mapper;
        _volatility = volatility;
    }

    public IReadOnlyList<IExpert> Experts => _experts;

    public IGate Gate => _gate;

    public ExpertScoreboard Scoreboard => _scoreboard;

    /// <summary>Counters of live (not warm-up) decisions.</summary>
    public OrchestratorStats Stats => new(
        Interlocked.Read(ref _decisions), Interlocked.Read(ref _entries), Interlocked.Read(ref _exits), Interlocked.Read(ref _avoidedEntries), Interlocked.Read(ref _heldExits));

    /// <summary>The weighted vote (step 3 above): the action and its confidence |net|.</summary>
    public static (AgentAction Action, double Confidence) Combine(IReadOnlyList<ExpertVote> votes, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(votes);
        ArgumentNullException.ThrowIfNull(weights);
        if (votes.Count != weights.Count)
        {
            throw new ArgumentException($"{votes.Count} votes but {weights.Count} weights.", nameof(weights));
        }

        var net = 0.0;
        for (var i = 0; i < votes.Count; i++)
        {
            net += weights[i] * votes[i].Confidence * votes[i].Direction;
        }

        // Rounding noise from a perfect tie must not pick a side.
        if (Math.Abs(net) < 1e-12)
        {
            return (AgentAction.Hold, 0);
        }

        return (net > 0 ? AgentAction.Buy : AgentAction.Sell, Math.Min(1, Math.Abs(net)));
    }

    /// <summary>Decides on one closed bar. <paramref name="position"/> is the venue's signed quantity of the symbol.</summary>
    public OrchestratorDecision Decide(OHLCVBar bar, decimal position, DateTimeOffset now, bool warmup = false)
    {
        ArgumentNullException.ThrowIfNull(bar);
        var context = new ExpertContext(bar, position, warmup, now);
        var votes = new ExpertVote[_experts.Length];
        for (var i = 0; i < _experts.Length; i++)
        {
            votes[i] = _experts[i].Vote(context) ?? ExpertVote.Abstain("no vote");
        }

        var volatility = _volatility.OnClose(bar.Symbol, bar.Close);

        // This close is known now: it scores the votes cast horizon bars ago before the gate reads the scores. The
        // votes just cast are queued and scored on a later bar, so the gate never sees the outcome of what it weighs.
        _scoreboard.OnBar(bar.Symbol, bar.Close, _experts.Select((e, i) => (e.Name, votes[i])).ToArray());
        var inputs = new ExpertGateInput[_experts.Length];
        for (var i = 0; i < _experts.Length; i++)
        {
            var score = _scoreboard.Score(_experts[i].Name);
            inputs[i] = new ExpertGateInput(_experts[i].Name, votes[i], score.Accuracy, score.Scored, score.Hits);
        }

        var gateContext = new GateContext(bar.Symbol, now, volatility, inputs);
        var weights = _gate.Weigh(gateContext);
        var gateName = _gate.Name;
        if (weights.Count != _experts.Length)
        {
            throw new InvalidOperationException($"Gate {_gate.Name} returned {weights.Count} weights for {_experts.Length} experts.");
        }

        var (combined, confidence) = Combine(votes, weights);
        var thresholds = _thresholds.Get(bar.Symbol);
        var (kind, why) = Classify(combined, confidence, position, thresholds);
        var final = kind is DecisionKind.Entry or DecisionKind.Exit ? combined : AgentAction.Hold;
        var records = _experts.Select((e, i) => new ExpertVoteRecord(e.Name, votes[i], weights[i])).ToArray();
        var reason = Explain(records, combined, confidence, why, gateName);
        var action = new TradingAction(bar.Symbol, final, confidence, Source, reason, now);
        var target = final == AgentAction.Hold ? null : _mapper.ToTarget(final, bar.Symbol, now)! with { Confidence = confidence, Reason = reason };
        if (!warmup)
        {
            Interlocked.Increment(ref _decisions);
            switch (kind)
            {
                case DecisionKind.Entry: Interlocked.Increment(ref _entries); break;
                case DecisionKind.Exit: Interlocked.Increment(ref _exits); break;
                case DecisionKind.AvoidedEntry: Interlocked.Increment(ref _avoidedEntries); break;
                case DecisionKind.HeldExit: Interlocked.Increment(ref _heldExits); break;
            }
        }

        return new OrchestratorDecision(action, combined, confidence, kind, thresholds, gateName, volatility, records, target)
        {
            Context = gateContext,
            BarOpenTimeMs = bar.OpenTimeMs,
            BarClose = bar.Close,
        };
    }

    private (DecisionKind Kind, string Why) Classify(AgentAction combined, double confidence, decimal position, ConfidenceThresholds thresholds)
    {
        var opens = (combined == AgentAction.Buy && position == 0) || (combined == AgentAction.Sell && position == 0 && _mapper.ShortEnabled);
        var closes = (combined == AgentAction.Sell && position > 0) || (combined == AgentAction.Buy && position < 0);
        if (combined == AgentAction.Hold)
        {
            return (DecisionKind.Hold, "experts combined to hold");
        }

        if (opens)
        {
            return confidence >= thresholds.Entry
                ? (DecisionKind.Entry, Invariant($"entry: {confidence:0.000} >= entry threshold {thresholds.Entry:0.00}"))
                : (DecisionKind.AvoidedEntry, Invariant($"avoided entry: {confidence:0.000} < entry threshold {thresholds.Entry:0.00}"));
        }

        if (closes)
        {
            return confidence >= thresholds.Exit
                ? (DecisionKind.Exit, Invariant($"exit: {confidence:0.000} >= exit threshold {thresholds.Exit:0.00}"))
                : (DecisionKind.HeldExit, Invariant($"position kept: {confidence:0.000} < exit threshold {thresholds.Exit:0.00}"));
        }

        return (DecisionKind.NoChange, position == 0 ? "sell while flat on spot: nothing to close" : "already positioned that way");
    }

    private static string Explain(IReadOnlyList<ExpertVoteRecord> records, AgentAction combined, double confidence, string why, string gateName)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{combined} {confidence:0.000}; {why}; gate {gateName}:");
        foreach (var record in records)
        {
            text.Append(' ').Append(record.Expert).Append(CultureInfo.InvariantCulture, $" w={record.Weight:0.000} ");
            text.Append(record.Vote.Abstained ? "abstain" : Invariant($"{record.Vote.Action} {record.Vote.Confidence:0.00}"));
            text.Append(" (").Append(record.Vote.Reason).Append(");");
        }

        return text.ToString().TrimEnd(';');
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
