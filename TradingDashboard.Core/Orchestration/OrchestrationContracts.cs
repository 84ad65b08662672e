using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Orchestration;

/// <summary>What an expert sees when it votes: one closed bar of the decision timeframe and the account.</summary>
/// <param name="Bar">The closed bar the decision is made at.</param>
/// <param name="Position">Signed quantity the orchestrator's venue holds in the symbol.</param>
/// <param name="IsWarmup">True while the orchestrator replays history before going live: the vote is scored but not traded.</param>
/// <param name="Now">Decision time.</param>
public sealed record ExpertContext(OHLCVBar Bar, decimal Position, bool IsWarmup, DateTimeOffset Now)
{
    public string Symbol => Bar.Symbol;
}

/// <summary>
/// One expert's opinion on one bar. <see cref="Abstained"/> votes carry no opinion at all (no model loaded, no fresh
/// prediction, not enough history): the gate gives them weight 0. A Hold vote is an opinion ("do not trade") and keeps
/// its weight, which pulls the combined confidence down.
/// </summary>
/// <param name="Action">Hold, Buy or Sell.</param>
/// <param name="Confidence">0..1.</param>
public sealed record ExpertVote(AgentAction Action, double Confidence, string Reason, bool Abstained = false)
{
    public static ExpertVote Abstain(string reason) => new(AgentAction.Hold, 0, reason, Abstained: true);

    /// <summary>+1 for Buy, -1 for Sell, 0 for Hold or an abstention.</summary>
    public int Direction => Abstained ? 0 : Action switch
    {
        AgentAction.Buy => 1,
        AgentAction.Sell => -1,
        _ => 0,
    };

    /// <summary>A vote with the confidence clamped to 0..1 (NaN becomes 0).</summary>
    public static ExpertVote Create(AgentAction action, double confidence, string reason) =>
        new(action, double.IsFinite(confidence) ? Math.Clamp(confidence, 0, 1) : 0, reason);
}

/// <summary>
/// An expert of the mixture: votes Hold/Buy/Sell with a confidence on each closed bar of the decision timeframe, for
/// every symbol the orchestrator decides on, in time order (warm-up bars included). Called by one thread at a time.
/// Adding an expert is one class and one <c>services.AddExpert&lt;T&gt;()</c>.
/// </summary>
public interface IExpert
{
    /// <summary>Unique short name ("rule", "cnn", "fasttree", "rl"): the key of its weight, score and vote.</summary>
    string Name { get; }

    ExpertVote Vote(ExpertContext context);
}

public enum VolatilityRegimeKind
{
    /// <summary>Not enough bars yet.</summary>
    Unknown,
    Low,
    Normal,
    High,
}

/// <summary>Realized volatility of the symbol's log returns over a short and a long window, and the regime they imply.</summary>
public sealed record VolatilityRegime(VolatilityRegimeKind Kind, double? ShortVolatility, double? LongVolatility)
{
    public static VolatilityRegime Unknown { get; } = new(VolatilityRegimeKind.Unknown, null, null);
}

/// <summary>What the gate knows about one expert at a decision.</summary>
/// <param name="Accuracy">Hit rate of its scored votes in the window (null when none are scored yet).</param>
/// <param name="Scored">Votes scored in the window.</param>
/// <param name="Hits">Scored votes that were right.</param>
public sealed record ExpertGateInput(string Expert, ExpertVote Vote, double? Accuracy, int Scored, int Hits);

/// <summary>The context a gate weighs the experts from.</summary>
public sealed record GateContext(string Symbol, DateTimeOffset Time, VolatilityRegime Volatility, IReadOnlyList<ExpertGateInput> Experts);

/// <summary>
/// The mixture-of-experts gate: one weight per expert of the context, in the same order; weights are 0..1 and sum to 1
/// over the experts that did not abstain (all 0 when every expert abstained). The documented non-learned
/// <see cref="RecentAccuracyGate"/> is the only implementation so far; a trained gate (ONNX) plugs in as one class and
/// <c>services.AddGate&lt;T&gt;()</c> (docs/orchestrator.md).
/// </summary>
public interface IGate
{
    string Name { get; }

    IReadOnlyList<double> Weigh(GateContext context);
}

/// <summary>
/// The design's TradingAction: the orchestrator's decision for one symbol at one bar close, with its source, confidence
/// and reason (gate weights and each expert's vote). Buy/Sell go to the executor as a <see cref="PositionTarget"/>
/// through <see cref="ActionMapper"/>.
/// </summary>
public sealed record TradingAction(string Symbol, AgentAction Action, double Confidence, string Source, string Reason, DateTimeOffset Time);

/// <summary>Entry and exit confidence thresholds of one symbol (0..1, exit at most entry).</summary>
/// <param name="IsDefault">True while the symbol uses the configured defaults (no admin change stored).</param>
public sealed record ConfidenceThresholds(double Entry, double Exit, bool IsDefault = false);

public sealed record SymbolThresholds(string Symbol, ConfidenceThresholds Thresholds, string? UpdatedBy, DateTimeOffset? UpdatedAt);

/// <summary>Per-symbol entry and exit thresholds, persisted; read at every decision, so a change applies to the next one.</summary>
public interface IThresholdStore
{
    /// <summary>The symbols thresholds can be set for (Trading:Symbols).</summary>
    IReadOnlyList<string> Symbols { get; }

    ConfidenceThresholds Get(string symbol);

    IReadOnlyList<SymbolThresholds> All { get; }

    /// <summary>
    /// Sets a symbol's thresholds. Admins only: anyone else gets <see cref="AccessDeniedException"/> and an audit entry
    /// marked denied. Values must be finite, in 0..1, with exit at most entry (<see cref="ArgumentOutOfRangeException"/>);
    /// the symbol must be configured (<see cref="ArgumentException"/>). Audited with the before and after values.
    /// </summary>
    Task SetAsync(Actor actor, string symbol, double entry, double exit, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="changed"/> after each change until disposed; quick handlers only.</summary>
    IDisposable Subscribe(Action changed);
}

/// <summary>What the thresholds did with the combined vote.</summary>
public enum DecisionKind
{
    /// <summary>The experts' combined action was Hold (or every expert abstained).</summary>
    Hold,

    /// <summary>An entry at or above the entry threshold: sent as a target.</summary>
    Entry,

    /// <summary>An exit at or above the exit threshold: sent as a target.</summary>
    Exit,

    /// <summary>An entry below the entry threshold: held (the orchestrator avoided an uncertain entry).</summary>
    AvoidedEntry,

    /// <summary>An exit below the exit threshold: the position is kept.</summary>
    HeldExit,

    /// <summary>The combined action is what the position already is (long and Buy, short and Sell, flat and Sell on spot).</summary>
    NoChange,
}

/// <summary>One expert's part in a decision.</summary>
public sealed record ExpertVoteRecord(string Expert, ExpertVote Vote, double Weight);

/// <summary>One decision of the orchestrator with everything that led to it.</summary>
/// <param name="Combined">The experts' weighted vote before the thresholds.</param>
/// <param name="Target">The target sent to the executor (Entry and Exit only).</param>
/// <param name="Execution">What happened to the target: advisory only, blocked, or the executor's outcome.</param>
public sealed record OrchestratorDecision(
    TradingAction Action,
    AgentAction Combined,
    double CombinedConfidence,
    DecisionKind Kind,
    ConfidenceThresholds Thresholds,
    string Gate,
    VolatilityRegime Volatility,
    IReadOnlyList<ExpertVoteRecord> Votes,
    PositionTarget? Target)
{
    public string? Execution { get; init; }

    /// <summary>Open time (Unix ms) of the closed bar the decision was made at: where the chart marks it.</summary>
    public long? BarOpenTimeMs { get; init; }

    /// <summary>The closed bar's close price.</summary>
    public double? BarClose { get; init; }

    /// <summary>What the gate weighed (the experts' votes, scores and the regime): the input of the trained gate, recorded with the outcome.</summary>
    public GateContext? Context { get; init; }
}

/// <summary>One expert's record over the scoreboard's window (see <see cref="ExpertScoreboard"/>).</summary>
/// <param name="Votes">All votes cast (abstentions excluded) since the start.</param>
/// <param name="DirectionalVotes">Buy or Sell votes since the start.</param>
/// <param name="Scored">Directional votes scored in the window.</param>
/// <param name="Accuracy">Hits / Scored (null when nothing is scored yet).</param>
/// <param name="SignedReturn">Sum over the scored votes of the signed forward return of the vote's direction over the
/// horizon (+r for a Buy, -r for a Sell), before fees: what following its votes alone would have earned per unit; not
/// the orchestrator's realized PnL.</param>
public sealed record ExpertScore(string Expert, long Votes, long DirectionalVotes, int Scored, int Hits, double? Accuracy, double SignedReturn)
{
    /// <summary>
    /// Its part of the orchestrator's closed trades, in fractions of equity, after fees, at decision closes
    /// (<see cref="PnlAttribution"/>); null until the first trade closes or where nothing attributes trades.
    /// </summary>
    public double? PnlContribution { get; init; }

    /// <summary>Closed trades in which it had a positive share of the entry.</summary>
    public int AttributedTrades { get; init; }
}

/// <summary>Counters of the thresholds' effect since the start.</summary>
public sealed record OrchestratorStats(long Decisions, long Entries, long Exits, long AvoidedEntries, long HeldExits);

/// <summary>The orchestrator's decisions for the dashboard.</summary>
public interface IOrchestratorFeed
{
    /// <summary>The newest decision of each symbol.</summary>
    IReadOnlyList<OrchestratorDecision> Latest { get; }

    /// <summary>Recent decisions, newest last.</summary>
    IReadOnlyList<OrchestratorDecision> Recent(int limit = 200);

    /// <summary>The experts' scores as of the newest decision.</summary>
    IReadOnlyList<ExpertScore> Leaderboard { get; }

    OrchestratorStats Stats { get; }

    /// <summary>The newest trade attributed to the experts (null before the first, or where nothing attributes trades).</summary>
    AttributedTrade? LastAttributedTrade => null;

    /// <summary>Calls <paramref name="handler"/> with each new decision until disposed; quick handlers only.</summary>
    IDisposable Subscribe(Action<OrchestratorDecision> handler);
}
