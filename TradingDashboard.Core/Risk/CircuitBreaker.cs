namespace TradingDashboard.Core.Risk;

/// <summary>
/// Trips when a symbol's price moves more than MaxMoveFraction within WindowSeconds: up moves are measured from the
/// lowest price in the window (price / min - 1), down moves from the highest (1 - price / max). While tripped (for
/// CooldownSeconds after the last trip) the risk manager denies new entries on every symbol: crypto moves together,
/// and an extreme move in one market is reason enough to stop opening risk in the other. Exits stay allowed.
/// O(1) amortised per price (monotonic queues). Thread-safe.
/// </summary>
public sealed class CircuitBreaker
{
    /// <summary>
    /// Relative margin of the division-free pre-check: far more than the rounding of a few double operations
    /// (about 1e-16 each), so a price inside the guarded band cannot trip the exact test either.
    /// </summary>
    private const double GuardMargin = 1e-9;

    private readonly CircuitBreakerOptions options;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Window> _windows = new(StringComparer.Ordinal);
    private readonly (string Symbol, Window Window)[] _recent = new (string, Window)[4];
    private int _recentCount;
    private int _recentNext;
    private readonly double _limit;
    private readonly long _windowMs;
    private readonly long _cooldownMs;
    private readonly double _upGuard;
    private readonly double _downGuard;
    private long _trippedUntilMs = long.MinValue;
    private string? _reason;

    public CircuitBreaker(CircuitBreakerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;

        // Read once: a bar feeds two prices, and decimal conversions per price cost more than the window itself.
        _limit = (double)options.MaxMoveFraction;
        _windowMs = options.WindowSeconds * 1000L;
        _cooldownMs = options.CooldownSeconds * 1000L;
        _upGuard = (1 + _limit) * (1 - GuardMargin);
        _downGuard = (1 - _limit) * (1 + GuardMargin);
    }

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
            return AddLocked(symbol, WindowOf(symbol), price, timeMs) is not null;
        }
    }

    /// <summary>
    /// Records a candle's two extremes at one time, first then second (exactly as two <see cref="OnPrice"/> calls, the
    /// second skipped when equal to the first), under one lock. Returns the reason of each trip (null: no trip), so
    /// a caller can report each as it happened.
    /// </summary>
    public (string? First, string? Second) OnPrices(string symbol, double first, double second, long timeMs)
    {
        var firstValid = first > 0 && double.IsFinite(first);
        var secondValid = second != first && second > 0 && double.IsFinite(second);
        if (!firstValid && !secondValid)
        {
            return default;
        }

        lock (_gate)
        {
            var window = WindowOf(symbol);
            var a = firstValid ? AddLocked(symbol, window, first, timeMs) : null;
            var b = secondValid ? AddLocked(symbol, window, second, timeMs) : null;
            return (a, b);
        }
    }

    /// <summary>Adds a price to the window and checks it; the trip's reason, or null.</summary>
    private string? AddLocked(string symbol, Window window, double price, long timeMs)
    {
        window.Add(price, timeMs, timeMs - _windowMs);
        var min = window.Min;
        var max = window.Max;

        // Division-free pre-check with a safety margin: most prices are far inside the band.
        if (price < min * _upGuard && price > max * _downGuard)
        {
            return null;
        }

        var up = price / min - 1;
        var down = 1 - price / max;
        var limit = _limit;
        if (up < limit && down < limit)
        {
            return null;
        }

        _trippedUntilMs = timeMs + _cooldownMs;
        _reason = up >= limit
            ? $"{symbol} rose {up:P2} within {options.WindowSeconds} s (limit {limit:P2})"
            : $"{symbol} fell {down:P2} within {options.WindowSeconds} s (limit {limit:P2})";
        return _reason;
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
