namespace TradingDashboard.Core.Orchestration;

/// <summary>The in-memory <see cref="IOrchestratorFeed"/>: the last decisions (bounded), the newest per symbol, the leaderboard and counters.</summary>
public sealed class OrchestratorFeed : IOrchestratorFeed
{
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Queue<OrchestratorDecision> _recent = new();
    private readonly Dictionary<string, OrchestratorDecision> _latest = new(StringComparer.Ordinal);
    private readonly List<Action<OrchestratorDecision>> _handlers = [];
    private IReadOnlyList<ExpertScore> _leaderboard = [];
    private OrchestratorStats _stats = new(0, 0, 0, 0, 0);
    private AttributedTrade? _lastTrade;

    public OrchestratorFeed(int capacity = 500)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    public IReadOnlyList<OrchestratorDecision> Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest.Values.OrderBy(d => d.Action.Symbol, StringComparer.Ordinal).ToArray();
            }
        }
    }

    public IReadOnlyList<ExpertScore> Leaderboard => Volatile.Read(ref _leaderboard);

    public OrchestratorStats Stats => Volatile.Read(ref _stats);

    public AttributedTrade? LastAttributedTrade => Volatile.Read(ref _lastTrade);

    public IReadOnlyList<OrchestratorDecision> Recent(int limit = 200)
    {
        lock (_gate)
        {
            return _recent.Skip(Math.Max(0, _recent.Count - Math.Max(0, limit))).ToArray();
        }
    }

    /// <param name="lastTrade">The newest attributed trade, when the publisher attributes trades (kept when null).</param>
    public void Publish(OrchestratorDecision decision, IReadOnlyList<ExpertScore> leaderboard, OrchestratorStats stats, AttributedTrade? lastTrade = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(leaderboard);
        ArgumentNullException.ThrowIfNull(stats);
        Action<OrchestratorDecision>[] handlers;
        lock (_gate)
        {
            _recent.Enqueue(decision);
            while (_recent.Count > _capacity)
            {
                _recent.Dequeue();
            }

            _latest[decision.Action.Symbol] = decision;
            Volatile.Write(ref _leaderboard, leaderboard);
            Volatile.Write(ref _stats, stats);
            if (lastTrade is not null)
            {
                Volatile.Write(ref _lastTrade, lastTrade);
            }
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler(decision);
        }
    }

    public IDisposable Subscribe(Action<OrchestratorDecision> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers.Add(handler);
        }

        return new Subscription(this, handler);
    }

    private sealed class Subscription(OrchestratorFeed feed, Action<OrchestratorDecision> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (feed._gate)
                {
                    feed._handlers.Remove(handler);
                }
            }
        }
    }
}
