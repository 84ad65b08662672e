namespace TradingDashboard.Core.Risk;

/// <summary>
/// Trips when a symbol's price moves more than MaxMoveFraction within WindowSeconds: up moves are measured from the
/// lowest price in the window (price / min - 1), down moves from the highest (1 - price / max). While tripped (for
/// CooldownSeconds after the last trip) the risk manager denies new entries on every symbol: crypto moves together,
/// and an extreme move in one market is reason enough to stop opening risk in the other. Exits stay allowed.
/// O(1) amortised per price (monotonic queues). Thread-safe.
/// </summary>
public sealed class CircuitBreaker(CircuitBreakerOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private long _trippedUntilMs = long.MinValue;
    private string? _reason;

    public CircuitBreakerOptions Options => options;

    public string? LastReason
    {
        get
        {
            lock (_gate)
            {
                return _reason;
            }
        }
    }

    public bool IsTripped(DateTimeOffset now)
    {
        lock (_gate)
        {
            return now.ToUnixTimeMilliseconds() < _trippedUntilMs;
        }
    }

    /// <summary>End of the current cooldown, or null when not tripped at <paramref name="now"/>.</summary>
    public DateTimeOffset? TrippedUntil(DateTimeOffset now)
    {
        lock (_gate)
        {
            return now.ToUnixTimeMilliseconds() < _trippedUntilMs ? DateTimeOffset.FromUnixTimeMilliseconds(_trippedUntilMs) : null;
        }
    }

    /// <summary>Records a price; returns true when this price tripped the breaker.</summary>
    public bool OnPrice(string symbol, double price, long timeMs)
    {
        if (!(price > 0) || !double.IsFinite(price))
        {
            return false;
        }

        lock (_gate)
        {
            if (!_windows.TryGetValue(symbol, out var window))
            {
                window = new Window();
                _windows[symbol] = window;
            }

            var from = timeMs - options.WindowSeconds * 1000L;
            window.Add(price, timeMs, from);
            var up = price / window.Min - 1;
            var down = 1 - price / window.Max;
            var limit = (double)options.MaxMoveFraction;
            if (up < limit && down < limit)
            {
                return false;
            }

            _trippedUntilMs = timeMs + options.CooldownSeconds * 1000L;
            _reason = up >= limit
                ? $"{symbol} rose {up:P2} within {options.WindowSeconds} s (limit {limit:P2})"
                : $"{symbol} fell {down:P2} within {options.WindowSeconds} s (limit {limit:P2})";
            return true;
        }
    }

    private sealed class Window
    {
        private readonly LinkedList<(double Price, long Time)> _min = new();
        private readonly LinkedList<(double Price, long Time)> _max = new();

        public double Min => _min.First!.Value.Price;

        public double Max => _max.First!.Value.Price;

        public void Add(double price, long time, long from)
        {
            while (_min.Count > 0 && _min.Last!.Value.Price >= price)
            {
                _min.RemoveLast();
            }

            _min.AddLast((price, time));
            while (_max.Count > 0 && _max.Last!.Value.Price <= price)
            {
                _max.RemoveLast();
            }

            _max.AddLast((price, time));
            while (_min.First!.Value.Time < from)
            {
                _min.RemoveFirst();
            }

            while (_max.First!.Value.Time < from)
            {
                _max.RemoveFirst();
            }
        }
    }
}
