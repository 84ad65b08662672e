using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// An <see cref="Orchestrator"/> as a backtest <see cref="IStrategy"/> (evaluate-strategy): on each bar of the decision
/// timeframe of a decided symbol it calls <see cref="Orchestrator.Decide"/> with the backtest account's position and
/// returns the decision's <see cref="PositionTarget"/> (Entry and Exit only). Warm-up bars are voted and scored, not
/// traded, as in <see cref="OrchestratorProcess"/>. Every trading-period decision is kept as a <see cref="DecisionOutcome"/>
/// (mode <see cref="Mode"/>): the <see cref="GateContext"/> the gate weighed, the weights, the decision, and the forward
/// return close(t + h) / close(t) - 1 over h = the scoreboard's horizon decision bars of the same symbol, filled in
/// when that bar arrives (null when the period ends first).
/// </summary>
public sealed class OrchestratorStrategy : IStrategy
{
    public const string Mode = "backtest";

    private readonly Orchestrator _orchestrator;
    private readonly Timeframe _timeframe;
    private readonly HashSet<string> _symbols;
    private readonly List<DecisionOutcome> _outcomes = [];
    private readonly List<OrchestratorDecision>? _decisions;
    private readonly Dictionary<string, SymbolBars> _bars = new(StringComparer.Ordinal);

    /// <param name="name">The strategy's name in reports ("orchestrator", or the expert's name for a single-expert run).</param>
    /// <param name="keepDecisions">Also keep every <see cref="OrchestratorDecision"/> (warm-up included) in <see cref="Decisions"/>.</param>
    /// <param name="attributionFeeRate">Fee per side of the <see cref="Attribution"/> (0.001 = 0.1 %).</param>
    public OrchestratorStrategy(string name, Orchestrator orchestrator, Timeframe decisionTimeframe, IEnumerable<string> symbols, bool keepDecisions = false, double attributionFeeRate = PnlAttribution.DefaultFeeRate)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(symbols);
        Name = name;
        _orchestrator = orchestrator;
        _timeframe = decisionTimeframe;
        _symbols = new HashSet<string>(symbols, StringComparer.Ordinal);
        _decisions = keepDecisions ? [] : null;
        Attribution = new PnlAttribution(attributionFeeRate);
    }

    /// <summary>The experts' parts of this run's trades, from the trading-period decisions at decision closes (not the backtest's fills).</summary>
    public PnlAttribution Attribution { get; }

    /// <summary>The scoreboard's leaderboard with each expert's PnL contribution of this run.</summary>
    public IReadOnlyList<ExpertScore> Leaderboard => Attribution.Merge(_orchestrator.Scoreboard.Snapshot());

    public string Name { get; }

    public Orchestrator Orchestrator => _orchestrator;

    /// <summary>Trading-period decisions with their outcomes, in decision order.</summary>
    public IReadOnlyList<DecisionOutcome> Outcomes => _outcomes;

    /// <summary>Every decision (warm-up included) when kept; else empty.</summary>
    public IReadOnlyList<OrchestratorDecision> Decisions => (IReadOnlyList<OrchestratorDecision>?)_decisions ?? [];

    public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(context);
        if (bar.Timeframe != _timeframe || !_symbols.Contains(bar.Symbol))
        {
            return null;
        }

        var now = context.Now;
        var decision = _orchestrator.Decide(bar, context.PositionOf(bar.Symbol), now, context.IsWarmup);
        _decisions?.Add(decision);
        if (!_bars.TryGetValue(bar.Symbol, out var bars))
        {
            _bars[bar.Symbol] = bars = new SymbolBars();
        }

        Resolve(bars, bar.Close, now);
        if (context.IsWarmup)
        {
            return null;
        }

        Attribution.Observe(decision);
        _outcomes.Add(new DecisionOutcome(
            RebuildGateContext(decision, bar.Symbol, now),
            decision.Gate,
            decision.Votes.Select(v => v.Weight).ToArray(),
            decision.Action.Action,
            decision.CombinedConfidence,
            decision.Kind,
            Mode,
            bar.Close,
            _orchestrator.Scoreboard.HorizonBars,
            ForwardReturn: null,
            ResolvedAt: null));
        bars.Pending.Enqueue((_outcomes.Count - 1, bars.Count - 1));
        return decision.Target;
    }

    /// <summary>
    /// What the gate saw: the orchestrator reads the scores right after this bar's scoring and before weighing, and nothing
    /// changes them until the next decision, so reading them now gives the same inputs.
    /// </summary>
    private GateContext RebuildGateContext(OrchestratorDecision decision, string symbol, DateTimeOffset now)
    {
        var inputs = new ExpertGateInput[decision.Votes.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var record = decision.Votes[i];
            var score = _orchestrator.Scoreboard.Score(record.Expert);
            inputs[i] = new ExpertGateInput(record.Expert, record.Vote, score.Accuracy, score.Scored, score.Hits);
        }

        return new GateContext(symbol, now, decision.Volatility, inputs);
    }

    /// <summary>Counts this decision bar and fills the forward return of the decisions made horizon bars ago.</summary>
    private void Resolve(SymbolBars bars, double close, DateTimeOffset now)
    {
        var index = bars.Count++;
        var horizon = _orchestrator.Scoreboard.HorizonBars;
        while (bars.Pending.Count > 0 && index - bars.Pending.Peek().BarIndex >= horizon)
        {
            var (outcome, _) = bars.Pending.Dequeue();
            var decided = _outcomes[outcome];
            double? forward = decided.Close > 0 && double.IsFinite(close) ? (close / decided.Close) - 1 : null;
            _outcomes[outcome] = decided with { ForwardReturn = forward, ResolvedAt = now };
        }
    }

    private sealed class SymbolBars
    {
        public int Count;

        public Queue<(int Outcome, int BarIndex)> Pending { get; } = new();
    }
}

/// <summary>
/// Fixed thresholds for offline runs (evaluate-strategy): every symbol gets the same entry and exit thresholds and
/// nothing can change them (<see cref="SetAsync"/> throws <see cref="InvalidOperationException"/>).
/// </summary>
public sealed class FixedThresholdStore : IThresholdStore
{
    private readonly ConfidenceThresholds _thresholds;
    private readonly string[] _symbols;

    public FixedThresholdStore(IEnumerable<string> symbols, ConfidenceThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(thresholds);
        if (ThresholdRules.Check(thresholds.Entry, thresholds.Exit) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(thresholds), thresholds, error);
        }

        _thresholds = thresholds with { IsDefault = true };
        _symbols = symbols.Distinct(StringComparer.Ordinal).ToArray();
    }

    public IReadOnlyList<string> Symbols => _symbols;

    public IReadOnlyList<SymbolThresholds> All => _symbols.Select(s => new SymbolThresholds(s, _thresholds, null, null)).ToArray();

    public ConfidenceThresholds Get(string symbol) => _thresholds;

    public Task SetAsync(Actor actor, string symbol, double entry, double exit, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("The thresholds of an offline run are fixed; change them with the evaluation's options.");

    public IDisposable Subscribe(Action changed) => NoSubscription.Instance;

    private sealed class NoSubscription : IDisposable
    {
        public static readonly NoSubscription Instance = new();

        public void Dispose()
        {
        }
    }
}
