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
    private readonly (string Symbol, Window Window)[] _recent = new (string, Window)[4];
    private int _recentCount;
    private int _recentNext;
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
            var window = WindowOf(symbol);

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

    /// <summary>The symbol's window; the same string instance (the usual case) skips hashing.</summary>
    private Window WindowOf(string symbol)
    {
        for (var i = 0; i < _recentCount; i++)
        {
            if (ReferenceEquals(_recent[i].Symbol, symbol))
            {
                return _recent[i].Window;
            }
        }

        if (!_windows.TryGetValue(symbol, out var window))
        {
            window = new Window();
            _windows[symbol] = window;
        }

        _recent[_recentNext] = (symbol, window);
        _recentNext = (_recentNext + 1) % _recent.Length;
        _recentCount = Math.Min(_recentCount + 1, _recent.Length);
        return window;
    }

    /// <summary>Monotonic queues (ring buffers) of the window's minimum and maximum candidates.</summary>
    private sealed class Window
    {
        private readonly Deque _min = new();
        private readonly Deque _max = new();

        public double Min => _min.FirstPrice;

        public double Max => _max.FirstPrice;

        public void Add(double price, long time, long from)
        {
            while (_min.Count > 0 && _min.LastPrice >= price)
            {
                _min.RemoveLast();
            }

            _min.AddLast(price, time);
            while (_max.Count > 0 && _max.LastPrice <= price)
            {
                _max.RemoveLast();
            }

            _max.AddLast(price, time);
            while (_min.FirstTime < from)
            {
                _min.RemoveFirst();
            }

            while (_max.FirstTime < from)
            {
                _max.RemoveFirst();
            }
        }
    }

    private sealed class Deque
    {
        private double[] _prices = new double[16];
        private long[] _times = new long[16];
        private int _head;

        public int Count { get; private set; }

        public double FirstPrice => _prices[_head];

        public long FirstTime => _times[_head];

        public double LastPrice => _prices[(_head + Count - 1) & (_prices.Length - 1)];

        public void AddLast(double price, long time)
        {
            if (Count == _prices.Length)
            {
                Grow();
            }

            var index = (_head + Count) & (_prices.Length - 1);
            _prices[index] = price;
            _times[index] = time;
            Count++;
        }

        public void RemoveLast() => Count--;

        public void RemoveFirst()
        {
            _head = (_head + 1) & (_prices.Length - 1);
            Count--;
        }

        private void Grow()
        {
            var prices = new double[_prices.Length * 2];
            var times = new long[_times.Length * 2];
            for (var i = 0; i < Count; i++)
            {
                prices[i] = _prices[(_head + i) & (_prices.Length - 1)];
                times[i] = _times[(_head + i) & (_times.Length - 1)];
            }

            _prices = prices;
            _times = times;
            _head = 0;
        }
    }
}
