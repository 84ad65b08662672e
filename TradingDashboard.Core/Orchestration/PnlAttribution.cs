using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>One expert's part of the orchestrator's closed trades (see <see cref="PnlAttribution"/>).</summary>
/// <param name="Contribution">Sum over the closed trades of share x trade return, in fractions of equity.</param>
/// <param name="Trades">Closed trades in which the expert had a positive share.</param>
public sealed record ExpertPnl(string Expert, double Contribution, int Trades);

/// <summary>One closed trade of the orchestrator as the attribution saw it (decision closes, not fills).</summary>
/// <param name="Side">+1 long, -1 short.</param>
/// <param name="Fraction">Position size as a fraction of equity (the entry target's |TargetFraction|).</param>
/// <param name="Return">Fraction x (side x (exit / entry - 1) - 2 x fee rate): the trade's result in fractions of equity.</param>
/// <param name="Shares">Each expert's share of the entry (positive shares only; they sum to 1).</param>
public sealed record AttributedTrade(
    string Symbol,
    int Side,
    double EntryClose,
    double ExitClose,
    double Fraction,
    double Return,
    DateTimeOffset EntryTime,
    DateTimeOffset ExitTime,
    IReadOnlyDictionary<string, double> Shares);

/// <summary>
/// Attributes the orchestrator's own trades to the experts (docs/orchestrator.md, "PnL contribution"). Per symbol it
/// follows the decisions: an Entry opens a position at the decision bar's close, an Exit closes it at its close; other
/// kinds change nothing. At the entry each expert's share is its positive part of the combined vote,
/// s_i = max(0, w_i c_i d_i side) / sum_j max(0, w_j c_j d_j side); at the exit the trade's return
/// r = fraction x (side x (exit / entry - 1) - 2 x fee rate) adds s_i x r to each expert's contribution.
/// Prices are the decision closes, not the venue's fills. Fed by one thread in decision order; <see cref="Snapshot"/>,
/// <see cref="Merge"/> and <see cref="LastTrade"/> may be read from any thread.
/// </summary>
public sealed class PnlAttribution
{
    /// <summary>The paper venue's default taker fee (ExecutionOptions.Paper.TakerFeeRate).</summary>
    public const double DefaultFeeRate = 0.001;

    private readonly double _feeRate;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, OpenTrade> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (double Contribution, int Trades)> _experts = new(StringComparer.Ordinal);
    private AttributedTrade? _lastTrade;
    private int _closedTrades;
    private int _replacedEntries;

    /// <param name="feeRate">Fee per side as a fraction of the traded value (0.001 = 0.1 %), charged at entry and exit.</param>
    public PnlAttribution(double feeRate = DefaultFeeRate)
    {
        if (!double.IsFinite(feeRate) || feeRate < 0 || feeRate >= 0.1)
        {
            throw new ArgumentOutOfRangeException(nameof(feeRate), feeRate, "The fee rate must be a fraction in [0, 0.1) (0.001 = 0.1 %).");
        }

        _feeRate = feeRate;
    }

    public double FeeRate => _feeRate;

    /// <summary>Trades closed and attributed since the start.</summary>
    public int ClosedTrades
    {
        get
        {
            lock (_lock)
            {
                return _closedTrades;
            }
        }
    }

    /// <summary>
    /// Entries decided while this book already held the symbol (the venue was flat, e.g. an order that did not fill or an
    /// advisory run): the older entry is dropped unattributed and the new one opens.
    /// </summary>
    public int ReplacedEntries
    {
        get
        {
            lock (_lock)
            {
                return _replacedEntries;
            }
        }
    }

    /// <summary>The newest closed trade (null before the first).</summary>
    public AttributedTrade? LastTrade
    {
        get
        {
            lock (_lock)
            {
                return _lastTrade;
            }
        }
    }

    /// <summary>
    /// Follows one decision. Warm-up decisions (<paramref name="warmup"/>) are ignored: nothing is traded then.
    /// Returns the trade this decision closed, or null.
    /// </summary>
    public AttributedTrade? Observe(OrchestratorDecision decision, bool warmup = false)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (warmup || decision.Kind is not (DecisionKind.Entry or DecisionKind.Exit))
        {
            return null;
        }

        var side = decision.Action.Action switch
        {
            AgentAction.Buy => 1,
            AgentAction.Sell => -1,
            _ => 0,
        };
        if (side == 0 || decision.BarClose is not { } close || !double.IsFinite(close) || close <= 0)
        {
            return null;
        }

        var symbol = decision.Action.Symbol;
        lock (_lock)
        {
            return decision.Kind == DecisionKind.Entry ? Open(decision, symbol, side, close) : Close(symbol, side, close, decision.Action.Time);
        }
    }

    private AttributedTrade? Open(OrchestratorDecision decision, string symbol, int side, double close)
    {
        var fraction = decision.Target is { } target ? Math.Abs((double)target.TargetFraction) : 0;
        var shares = Shares(decision.Votes, side);
        if (fraction <= 0 || shares is null)
        {
            return null;
        }

        if (_open.ContainsKey(symbol))
        {
            _replacedEntries++;
        }

        _open[symbol] = new OpenTrade(side, close, fraction, decision.Action.Time, shares);
        return null;
    }

    private AttributedTrade? Close(string symbol, int side, double close, DateTimeOffset time)
    {
        // An Exit is the opposite action of the position it closes (Sell closes a long, Buy a short).
        if (!_open.TryGetValue(symbol, out var open) || open.Side != -side)
        {
            return null;
        }

        _open.Remove(symbol);
        var tradeReturn = open.Fraction * ((open.Side * ((close / open.EntryClose) - 1)) - (2 * _feeRate));
        foreach (var (expert, share) in open.Shares)
        {
            var (contribution, trades) = _experts.GetValueOrDefault(expert);
            _experts[expert] = (contribution + (share * tradeReturn), trades + 1);
        }

        _closedTrades++;
        _lastTrade = new AttributedTrade(symbol, open.Side, open.EntryClose, close, open.Fraction, tradeReturn, open.EntryTime, time, open.Shares);
        return _lastTrade;
    }

    /// <summary>Each expert's positive part of the vote in the entry's direction, normalized to 1 (null when none).</summary>
    private static Dictionary<string, double>? Shares(IReadOnlyList<ExpertVoteRecord> votes, int side)
    {
        var total = 0.0;
        foreach (var record in votes)
        {
            total += Positive(record, side);
        }

        if (!(total > 0) || !double.IsFinite(total))
        {
            return null;
        }

        var shares = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var record in votes)
        {
            var part = Positive(record, side);
            if (part > 0)
            {
                shares[record.Expert] = part / total;
            }
        }

        return shares;
    }

    private static double Positive(ExpertVoteRecord record, int side)
    {
        var part = record.Weight * record.Vote.Confidence * record.Vote.Direction * side;
        return double.IsFinite(part) ? Math.Max(0, part) : 0;
    }

    /// <summary>Each expert with a closed trade attributed, by name.</summary>
    public IReadOnlyList<ExpertPnl> Snapshot()
    {
        lock (_lock)
        {
            return _experts.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new ExpertPnl(e.Key, e.Value.Contribution, e.Value.Trades)).ToArray();
        }
    }

    /// <summary>
    /// The scores with <see cref="ExpertScore.PnlContribution"/> and <see cref="ExpertScore.AttributedTrades"/> filled in:
    /// null contribution until the first trade closes, then each expert's sum (0 for one that had no share).
    /// </summary>
    public IReadOnlyList<ExpertScore> Merge(IReadOnlyList<ExpertScore> scores)
    {
        ArgumentNullException.ThrowIfNull(scores);
        lock (_lock)
        {
            if (_closedTrades == 0)
            {
                return scores;
            }

            return scores.Select(s =>
            {
                var (contribution, trades) = _experts.GetValueOrDefault(s.Expert);
                return s with { PnlContribution = contribution, AttributedTrades = trades };
            }).ToArray();
        }
    }

    private sealed record OpenTrade(int Side, double EntryClose, double Fraction, DateTimeOffset EntryTime, IReadOnlyDictionary<string, double> Shares);
}
