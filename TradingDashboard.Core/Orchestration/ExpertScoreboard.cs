namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// Scores each expert's past votes against what the price did next (docs/orchestrator.md). A Buy or Sell vote cast at
/// a bar with close c0 is scored when the symbol's bar <c>horizon</c> bars later closes at c1, with r = c1 / c0 - 1:
/// a Buy is a hit when r &gt; 0, a Sell when r &lt; 0 (r = 0 is a miss for both); its signed return is +r for a Buy and
/// -r for a Sell. Hold votes and abstentions make no claim and are not scored. Each expert keeps its last
/// <c>window</c> scored votes (over all symbols): accuracy = hits / scored over them. Not thread-safe for writes (one
/// decision thread); <see cref="Snapshot"/> and <see cref="Score"/> may be read from any thread.
/// </summary>
public sealed class ExpertScoreboard
{
    private readonly int _horizon;
    private readonly int _window;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<PendingBar>> _pending = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ExpertRecord> _experts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public ExpertScoreboard(int horizonBars, int window)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(horizonBars, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 1);
        _horizon = horizonBars;
        _window = window;
    }

    public int HorizonBars => _horizon;

    public int Window => _window;

    /// <summary>
    /// Records a closed bar of <paramref name="symbol"/>: first scores the votes cast <c>horizon</c> bars ago against
    /// <paramref name="close"/>, then keeps <paramref name="votes"/> (cast at this bar) for scoring later.
    /// </summary>
    public void OnBar(string symbol, double close, IReadOnlyList<(string Expert, ExpertVote Vote)> votes)
    {
        ArgumentNullException.ThrowIfNull(votes);
        lock (_gate)
        {
            if (!_pending.TryGetValue(symbol, out var queue))
            {
                queue = new Queue<PendingBar>();
                _pending[symbol] = queue;
            }

            foreach (var pending in queue)
            {
                pending.BarsSince++;
            }

            while (queue.Count > 0 && queue.Peek().BarsSince >= _horizon)
            {
                Resolve(queue.Dequeue(), close);
            }

            var directional = new List<(string, int)>();
            foreach (var (expert, vote) in votes)
            {
                var record = Record(expert);
                if (vote.Abstained)
                {
                    continue;
                }

                record.Votes++;
                if (vote.Direction != 0)
                {
                    record.DirectionalVotes++;
                    directional.Add((expert, vote.Direction));
                }
            }

            // A bar without directional votes still counts towards the horizon of the bars before it.
            if (double.IsFinite(close) && close > 0)
            {
                queue.Enqueue(new PendingBar(close, directional));
            }
        }
    }

    /// <summary>The expert's score (zeros for an unknown expert).</summary>
    public ExpertScore Score(string expert)
    {
        lock (_gate)
        {
            return _experts.TryGetValue(expert, out var record) ? record.ToScore(expert) : new ExpertScore(expert, 0, 0, 0, 0, null, 0);
        }
    }

    /// <summary>Every expert seen, in the order first seen.</summary>
    public IReadOnlyList<ExpertScore> Snapshot()
    {
        lock (_gate)
        {
            return _order.Select(name => _experts[name].ToScore(name)).ToArray();
        }
    }

    private ExpertRecord Record(string expert)
    {
        if (!_experts.TryGetValue(expert, out var record))
        {
            record = new ExpertRecord(_window);
            _experts[expert] = record;
            _order.Add(expert);
        }

        return record;
    }

    private void Resolve(PendingBar bar, double close)
    {
        if (!double.IsFinite(close) || close <= 0)
        {
            return;
        }

        var r = (close / bar.Close) - 1;
        foreach (var (expert, direction) in bar.Votes)
        {
            var hit = direction > 0 ? r > 0 : r < 0;
            Record(expert).Add(hit, direction * r);
        }
    }

    private sealed class PendingBar(double close, List<(string Expert, int Direction)> votes)
    {
        public double Close { get; } = close;

        public List<(string Expert, int Direction)> Votes { get; } = votes;

        public int BarsSince { get; set; }
    }

    private sealed class ExpertRecord(int window)
    {
        private readonly Queue<(bool Hit, double Return)> _scored = new();
        private int _hits;

        public long Votes { get; set; }

        public long DirectionalVotes { get; set; }

        public void Add(bool hit, double signedReturn)
        {
            _scored.Enqueue((hit, signedReturn));
            _hits += hit ? 1 : 0;
            if (_scored.Count > window)
            {
                var old = _scored.Dequeue();
                _hits -= old.Hit ? 1 : 0;
            }
        }

        public ExpertScore ToScore(string name)
        {
            var scored = _scored.Count;
            // Summed on read (the window is small) so no running total drifts by rounding.
            var signedReturn = _scored.Sum(s => s.Return);
            return new ExpertScore(name, Votes, DirectionalVotes, scored, _hits, scored == 0 ? null : (double)_hits / scored, signedReturn);
        }
    }
}
