namespace TradingDashboard.Core.Indicators;

/// <summary>Fixed-capacity ring of the newest values. Index 0 is the oldest kept value.</summary>
internal sealed class Ring
{
    private readonly double[] _items;
    private int _start;

    public Ring(int capacity)
    {
        _items = new double[Math.Max(capacity, 1)];
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public bool IsFull => Count == Capacity;

    /// <summary>The oldest kept value (the one the next push evicts when full).</summary>
    public double Oldest => _items[_start];

    public double this[int index] => _items[(_start + index) % _items.Length];

    public void Push(double value)
    {
        if (Capacity == 0)
        {
            return;
        }

        if (Count < Capacity)
        {
            _items[(_start + Count) % _items.Length] = value;
            Count++;
            return;
        }

        _items[_start] = value;
        _start = (_start + 1) % _items.Length;
    }

    public void Clear()
    {
        _start = 0;
        Count = 0;
    }
}

/// <summary>
/// Simple moving average with TA-Lib's arithmetic (ta_SMA.c): a running total of the newest period-1 values; the output
/// adds the new value, divides by the period, then drops the oldest. Look-back: period - 1.
/// </summary>
internal sealed class SmaCore
{
    private readonly int _period;
    private readonly Ring _previous;
    private double _partial;
    private long _count;

    public SmaCore(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _previous = new Ring(period - 1);
    }

    public int Lookback => _period - 1;

    public double Step(double x, bool commit)
    {
        var total = _partial + x;
        var ready = _count >= _period - 1;
        var output = ready ? total / _period : double.NaN;
        if (commit)
        {
            // Drop the oldest value of the window that just produced an output.
            _partial = ready && _period > 1 ? total - _previous.Oldest : (_period > 1 ? total : 0.0);
            _previous.Push(x);
            _count++;
        }

        return output;
    }

    public void Reset()
    {
        _previous.Clear();
        _partial = 0;
        _count = 0;
    }
}

/// <summary>
/// Exponential moving average as TA-Lib (ta_EMA.c, default compatibility): the first value, at index period-1, is the
/// simple average of the first period values; then ema = (x - ema) * k + ema with k = 2 / (period + 1).
/// </summary>
internal sealed class EmaCore
{
    private readonly int _period;
    private readonly double _k;
    private double _seedSum;
    private double _value;
    private long _count;

    public EmaCore(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _k = 2.0 / (period + 1);
    }

    public int Lookback => _period - 1;

    public double Step(double x, bool commit)
    {
        double value;
        var seedSum = _seedSum;
        if (_count < _period - 1)
        {
            seedSum += x;
            value = double.NaN;
        }
        else if (_count == _period - 1)
        {
            value = (seedSum + x) / _period;
        }
        else
        {
            value = ((x - _value) * _k) + _value;
        }

        if (commit)
        {
            _seedSum = seedSum;
            _value = value;
            _count++;
        }

        return value;
    }

    public void Reset()
    {
        _seedSum = 0;
        _value = 0;
        _count = 0;
    }
}

/// <summary>
/// Highest (or lowest) value of the last <c>period</c> values in amortized O(1): a monotonic deque of (index, value).
/// The non-committing step reads at most the two front entries, so a peek is O(1) and changes nothing.
/// </summary>
internal sealed class RollingExtreme
{
    private readonly int _period;
    private readonly bool _max;
    private readonly double[] _values;
    private readonly long[] _indices;
    private int _head;
    private int _size;
    private long _count;

    public RollingExtreme(int period, bool max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _max = max;
        _values = new double[period + 1];
        _indices = new long[period + 1];
    }

    public double Step(double x, bool commit)
    {
        var index = _count;
        var firstKept = index - _period + 1;
        double best = x;
        if (_size > 0)
        {
            var front = _head;
            if (_indices[front] < firstKept)
            {
                front = _size > 1 ? (front + 1) % _values.Length : -1;
            }

            if (front >= 0 && Better(_values[front], best))
            {
                best = _values[front];
            }
        }

        if (commit)
        {
            if (_size > 0 && _indices[_head] < firstKept)
            {
                _head = (_head + 1) % _values.Length;
                _size--;
            }

            while (_size > 0)
            {
                var back = (_head + _size - 1) % _values.Length;
                if (Better(_values[back], x))
                {
                    break;
                }

                _size--;
            }

            var slot = (_head + _size) % _values.Length;
            _values[slot] = x;
            _indices[slot] = index;
            _size++;
            _count++;
        }

        return best;
    }

    public void Reset()
    {
        _head = 0;
        _size = 0;
        _count = 0;
    }

    private bool Better(double a, double b) => _max ? a > b : a < b;
}

/// <summary>
/// Population variance of the last <c>period</c> values in O(1) per step. TA-Lib computes E[x²] − E[x]² from running sums
/// (ta_VAR.c), which loses many digits at large prices (BTC ~1e5: x² ~1e10); this keeps a sliding mean and sum of squared
/// deviations instead (Welford's update for a window) and recomputes both exactly every <see cref="ResyncInterval"/>
/// steps so rounding cannot drift. Same quantity, fewer lost digits: see docs/indicators.md.
/// </summary>
internal sealed class RollingVariance
{
    public const int ResyncInterval = 1024;

    private readonly int _period;
    private readonly Ring _window;
    private double _mean;
    private double _m2;
    private long _count;

    public RollingVariance(int period)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1);
        _period = period;
        _window = new Ring(period);
    }

    public int Lookback => _period - 1;

    /// <summary>The variance of the window ending with <paramref name="x"/>, NaN during warm-up.</summary>
    public double Step(double x, bool commit)
    {
        double mean, m2;
        var n = _window.Count;
        if (!_window.IsFull)
        {
            // Welford's growing update.
            var delta = x - _mean;
            mean = _mean + (delta / (n + 1));
            m2 = _m2 + (delta * (x - mean));
        }
        else if ((_count + 1) % ResyncInterval == 0)
        {
            // Exact two-pass over the window that will hold x.
            var sum = x;
            for (var i = 1; i < n; i++)
            {
                sum += _window[i];
            }

            mean = sum / _period;
            var d0 = x - mean;
            m2 = d0 * d0;
            for (var i = 1; i < n; i++)
            {
                var d = _window[i] - mean;
                m2 += d * d;
            }
        }
        else
        {
            var old = _window.Oldest;
            var delta = x - old;
            mean = _mean + (delta / _period);
            m2 = _m2 + (delta * (x - mean + old - _mean));
        }

        if (m2 < 0)
        {
            m2 = 0;
        }

        var ready = _count >= _period - 1;
        if (commit)
        {
            _window.Push(x);
            _mean = mean;
            _m2 = m2;
            _count++;
        }

        return ready ? m2 / _period : double.NaN;
    }

    public void Reset()
    {
        _window.Clear();
        _mean = 0;
        _m2 = 0;
        _count = 0;
    }
}
