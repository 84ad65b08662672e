using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The RL agent as an expert ("rl"): votes the greedy action of the current policy (<see cref="IRlPolicySource"/>) with
/// confidence = that action's probability. Per symbol it feeds every bar it sees to an observation source built from the
/// policy's card (<see cref="RlObservationSpec.BuildSource"/>, the same classes the trainer's environment uses; rebuilt
/// and replayed over the kept bars when the policy changes), and appends the position state of its own
/// <b>virtual position</b> (like <see cref="RuleExpert"/>'s, independent of the orchestrator's real one):
/// <list type="bullet">
/// <item>Buy opens a virtual long at the bar's close; Sell closes it (on spot); with a card trained with shorting, Sell
/// while flat opens a short and Buy while short covers, as in <see cref="TradingEnvironment"/>;</item>
/// <item>position.side +1/-1/0; position.size = <see cref="LongFraction"/> (or <see cref="ShortFraction"/>) while open;
/// position.unrealized_pnl = side x size x (close / entry - 1); position.bars_in_trade = decisions since it opened /
/// <see cref="BarsInTradeScale"/>.</item>
/// </list>
/// Differences from the environment, by design: the virtual entry is the decision close (the environment fills at the
/// next open, with fees and slippage) and the size is the target fraction, not the filled value over equity. The market
/// part is identical (tested). The expert is fed bars of <c>stepTimeframe</c> (the orchestrator's timeframe); the policy
/// decides on closes of its card's step timeframe, which those bars must divide (a 1h policy under a 1m orchestrator
/// decides at each hour's last minute). Between its closes the last decision's vote stands (the policy was trained to
/// act once per step); before the first close it abstains. It abstains with the reason when no policy is loaded or the
/// observation cannot be built.
/// </summary>
public sealed class RlExpert : IExpert
{
    public const string ExpertName = "rl";
    public const string NoModel = "no RL model loaded";

    /// <summary>Bars kept per symbol to rebuild the observation after a policy change.</summary>
    public const int HistoryBars = 2048;

    private readonly IRlPolicySource _policies;
    private readonly IFeatureFrameSource? _frames;
    private readonly FeatureSchema? _schema;
    private readonly ICnnPredictionSource? _predictions;
    private readonly Timeframe _step;
    private readonly Dictionary<string, SymbolState> _symbols = new(StringComparer.Ordinal);

    public RlExpert(IRlPolicySource policies, IFeatureFrameSource? frames, FeatureSchema? schema, ICnnPredictionSource? predictions, Timeframe stepTimeframe)
    {
        ArgumentNullException.ThrowIfNull(policies);
        _policies = policies;
        _frames = frames;
        _schema = schema;
        _predictions = predictions;
        _step = stepTimeframe;
    }

    public string Name => ExpertName;

    /// <summary>position.size of a virtual long (the environment's default LongFraction, 1).</summary>
    public double LongFraction { get; init; } = 1;

    public double ShortFraction { get; init; } = 1;

    /// <summary>Divides position.bars_in_trade, as the environment's BarsInTradeScale (default 100).</summary>
    public double BarsInTradeScale { get; init; } = 100;

    /// <summary>The last observation built for <paramref name="symbol"/> (a copy), or null.</summary>
    public float[]? LastObservation(string symbol) =>
        _symbols.TryGetValue(symbol, out var state) && state.LastObservation is { } o ? [.. o] : null;

    /// <summary>The virtual position's side for <paramref name="symbol"/> (+1, -1, 0).</summary>
    public int VirtualSide(string symbol) => _symbols.TryGetValue(symbol, out var state) ? state.Side : 0;

    public ExpertVote Vote(ExpertContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var bar = context.Bar;
        if (!_symbols.TryGetValue(bar.Symbol, out var state))
        {
            state = new SymbolState();
            _symbols[bar.Symbol] = state;
        }

        state.History.Enqueue(bar);
        if (state.History.Count > HistoryBars)
        {
            state.History.Dequeue();
        }

        var policy = _policies.Current;
        if (!ReferenceEquals(policy, state.Policy))
        {
            state.Rebuild(policy, Build(policy, bar));
        }
        else if (state.Source is not null)
        {
            state.Source.OnBar(bar);
        }

        if (policy is null)
        {
            return ExpertVote.Abstain(NoModel);
        }

        if (state.Source is null)
        {
            return ExpertVote.Abstain("observation unavailable: " + state.SourceError);
        }

        var step = state.Step;
        if ((bar.CloseTimeMs + 1) % step.DurationMs() != 0)
        {
            // Between the policy's closes its last decision stands (it was trained to act once per step).
            return state.LastVote is { } held
                ? held with { Reason = $"{held.Reason}; held from the {step.ToCode()} close" }
                : ExpertVote.Abstain($"no {step.ToCode()} close seen yet");
        }

        var sourceLength = state.Source.Names.Count;
        var observation = new float[policy.Card.ObservationNames.Count];
        try
        {
            state.Source.Write(bar, observation.AsSpan(0, sourceLength));
        }
        catch (InvalidOperationException ex)
        {
            return ExpertVote.Abstain("observation unavailable: " + ex.Message);
        }

        WritePosition(state, bar.Close, observation.AsSpan(sourceLength));
        state.LastObservation = observation;
        PolicyDecision decision;
        try
        {
            decision = policy.Decide(observation);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or ObjectDisposedException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            return ExpertVote.Abstain($"policy {policy.Card.Name} failed: {ex.Message}");
        }

        Act(state, decision.Action, bar.Close, policy.Card.ShortEnabled);
        var reason = string.Create(
            CultureInfo.InvariantCulture,
            $"{policy.Card.Name}: {decision.Action} p={decision.Confidence:0.00} (hold {decision.Probabilities[0]:0.00}, buy {decision.Probabilities[1]:0.00}, sell {decision.Probabilities[2]:0.00}); value {decision.ExpectedReward:0.0000}");
        state.LastVote = ExpertVote.Create(decision.Action, decision.Confidence, reason);
        return state.LastVote;
    }

    private (IObservationSource? Source, string? Error, Timeframe Step) Build(IRlPolicy? policy, OHLCVBar bar)
    {
        if (policy is null)
        {
            return (null, NoModel, _step);
        }

        // The policy decides on its own step (a 1h policy under a 1m orchestrator votes at hour closes); the bars the
        // expert is fed must divide it.
        if (!TimeframeExtensions.TryParse(policy.Card.StepTimeframe, out var step) || step.DurationMs() % _step.DurationMs() != 0)
        {
            return (null, $"policy {policy.Card.Name} decides on {policy.Card.StepTimeframe} closes, which {_step.ToCode()} bars cannot make", _step);
        }

        IObservationSource source;
        try
        {
            source = policy.Card.Observation.BuildSource(_frames, _schema, _predictions);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            return (null, ex.Message, step);
        }

        var names = source.Names.Concat(TradingEnvironment.PositionStateNames);
        if (!names.SequenceEqual(policy.Card.ObservationNames, StringComparer.Ordinal))
        {
            return (null, $"policy {policy.Card.Name} expects {policy.Card.ObservationNames.Count} observation values that differ from the {source.Names.Count + TradingEnvironment.PositionStateNames.Count} built here", step);
        }

        source.Reset(new ObservationEpisode(bar.Symbol, step, bar.Timeframe));
        return (source, null, step);
    }

    private void WritePosition(SymbolState state, double close, Span<float> destination)
    {
        destination.Clear();
        if (state.Side == 0)
        {
            return;
        }

        state.BarsInTrade++;
        var size = state.Side > 0 ? LongFraction : ShortFraction;
        destination[0] = state.Side;
        destination[1] = (float)size;
        destination[2] = (float)(state.Side * size * ((close / state.EntryPrice) - 1));
        destination[3] = (float)(state.BarsInTrade / BarsInTradeScale);
    }

    /// <summary>The environment's target policy on a virtual position: a target against the position closes it; the other side opens on a later decision.</summary>
    private static void Act(SymbolState state, AgentAction action, double close, bool shortEnabled)
    {
        switch (action)
        {
            case AgentAction.Buy when state.Side < 0:
                state.Side = 0;
                break;
            case AgentAction.Buy when state.Side == 0:
                state.Open(1, close);
                break;
            case AgentAction.Sell when state.Side > 0:
                state.Side = 0;
                break;
            case AgentAction.Sell when state.Side == 0 && shortEnabled:
                state.Open(-1, close);
                break;
        }
    }

    private sealed class SymbolState
    {
        public Queue<OHLCVBar> History { get; } = new();

        public IRlPolicy? Policy { get; private set; }

        public IObservationSource? Source { get; private set; }

        public string? SourceError { get; private set; }

        public float[]? LastObservation { get; set; }

        /// <summary>The current policy's decision timeframe.</summary>
        public Timeframe Step { get; private set; }

        /// <summary>The vote at the policy's last step close (null before the first).</summary>
        public ExpertVote? LastVote { get; set; }

        public int Side { get; set; }

        public double EntryPrice { get; private set; }

        public int BarsInTrade { get; set; }

        public void Open(int side, double price)
        {
            Side = side;
            EntryPrice = price;
            BarsInTrade = 0;
        }

        /// <summary>A new policy: a new source fed the kept bars (the current one included), and a flat virtual position.</summary>
        public void Rebuild(IRlPolicy? policy, (IObservationSource? Source, string? Error, Timeframe Step) built)
        {
            Policy = policy;
            Source = built.Source;
            SourceError = built.Error;
            Step = built.Step;
            LastVote = null;
            Side = 0;
            BarsInTrade = 0;
            LastObservation = null;
            if (Source is not null)
            {
                foreach (var bar in History)
                {
                    Source.OnBar(bar);
                }
            }
        }
    }
}
