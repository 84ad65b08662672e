using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Indicators;

namespace TradingDashboard.Core.Pivots;

/// <summary>
/// Williams market structure pivots on five levels for one symbol and timeframe, built incrementally from closed bars.
/// </summary>
/// <remarks>
/// <para>Level 1: bar i is a swing high when its high is strictly above the highs of the <c>Strength</c> bars before it and
/// at or above the highs of the <c>Strength</c> bars after it (equal highs: the earliest bar of the run is the pivot, and
/// only it). Lows mirror this (strictly below the bars before, at or below the bars after). It is confirmed, and emitted,
/// when the last of the bars after it closes.</para>
/// <para>Level k+1: the level-k highs (only the highs) form a series; a level-k high strictly above the
/// <c>HigherLevelStrength</c> level-k highs before it and at or above those after it is a level-(k+1) high, confirmed when
/// the last of those later level-k highs is confirmed. Lows mirror this.</para>
/// <para>Highs and lows are not forced to alternate: two highs may follow each other, and one bar may be both a high
/// and a low. Forcing alternation would mean dropping an already emitted pivot when a later, more extreme one appears,
/// and pivots here are never revised. See docs/pivots.md.</para>
/// <para>Not thread-safe: one detector per series, fed by one thread. O(Strength) per bar.</para>
/// </remarks>
public sealed class WilliamsPivotDetector
{
    private readonly PivotSettings _settings;
    private readonly long _durationMs;
    private readonly int _window;
    private readonly double[] _highs;
    private readonly double[] _lows;
    private readonly long[] _openTimes;
    private readonly LevelState[] _levels;
    private readonly VolumeMaxTracker _volumeMax;
    private long _count;
    private int _slot;
    private long _lastOpenTimeMs = long.MinValue;
    private double _lastClose = double.NaN;

    public WilliamsPivotDetector(string symbol, Timeframe timeframe, PivotSettings? settings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        _settings = settings ?? PivotSettings.Default;
        _settings.Validate();
        Symbol = symbol;
        Timeframe = timeframe;
        _durationMs = timeframe.DurationMs();
        _window = (2 * _settings.Strength) + 1;
        _highs = new double[_window];
        _lows = new double[_window];
        _openTimes = new long[_window];
        _levels = new LevelState[PivotSettings.Levels];
        for (var i = 0; i < _levels.Length; i++)
        {
            _levels[i] = new LevelState(_settings);
        }

        _volumeMax = new VolumeMaxTracker(_settings.VolumeLookbackBars);
    }

    public string Symbol { get; }

    public Timeframe Timeframe { get; }

    public PivotSettings Settings => _settings;

    /// <summary>Closed bars consumed.</summary>
    public long BarCount => _count;

    public long LastOpenTimeMs => _lastOpenTimeMs;

    /// <summary>
    /// Consumes one closed bar (bars must come in increasing open time) and appends the pivots it confirms to
    /// <paramref name="confirmed"/>, level 1 first; a level-k pivot is followed by the higher-level pivots it confirms.
    /// </summary>
    public void Update(in PriceBar bar, List<PivotPoint> confirmed)
    {
        ArgumentNullException.ThrowIfNull(confirmed);
        if (bar.OpenTimeMs <= _lastOpenTimeMs)
        {
            throw new ArgumentException($"Bar {bar.OpenTimeMs} is not after the last bar {_lastOpenTimeMs} of {Symbol} {Timeframe.ToCode()}.", nameof(bar));
        }

        var slot = _slot;
        _highs[slot] = bar.High;
        _lows[slot] = bar.Low;
        _openTimes[slot] = bar.OpenTimeMs;
        _volumeMax.Add(_count, bar.Volume);
        _lastOpenTimeMs = bar.OpenTimeMs;
        _lastClose = bar.Close;
        _count++;
        _slot = slot + 1 == _window ? 0 : slot + 1;

        if (_count < _window)
        {
            return;
        }

        // The candidate is the bar with Strength bars on each side: the middle of the window.
        var s = _settings.Strength;
        var newest = _count - 1;
        var candidate = newest - s;

        // Ring slots by index arithmetic (slot of bar n is n mod window): the candidate is s slots behind the newest.
        var c = slot - s < 0 ? slot - s + _window : slot - s;
        var confirmedAt = bar.OpenTimeMs + _durationMs - 1;
        bool isHigh = true, isLow = true;
        for (var j = 1; j <= s && (isHigh || isLow); j++)
        {
            var before = c - j < 0 ? c - j + _window : c - j;
            var after = c + j >= _window ? c + j - _window : c + j;
            isHigh &= _highs[c] > _highs[before] && _highs[c] >= _highs[after];
            isLow &= _lows[c] < _lows[before] && _lows[c] <= _lows[after];
        }

        if (isHigh)
        {
            Emit(new PivotPoint(Symbol, Timeframe, 1, PivotType.High, _highs[c], _openTimes[c], confirmedAt), candidate, confirmed);
        }

        if (isLow)
        {
            Emit(new PivotPoint(Symbol, Timeframe, 1, PivotType.Low, _lows[c], _openTimes[c], confirmedAt), candidate, confirmed);
        }
    }

    /// <summary>Convenience form of <see cref="Update(in PriceBar, List{PivotPoint})"/>.</summary>
    public IReadOnlyList<PivotPoint> Update(in PriceBar bar)
    {
        var list = new List<PivotPoint>();
        Update(bar, list);
        return list;
    }

    public PivotPoint? LastHigh(int level) => Level(level).LastHigh;

    public PivotPoint? LastLow(int level) => Level(level).LastLow;

    /// <summary>Up (higher highs and higher lows), down (lower highs and lower lows), sideways, or unknown (too few pivots).</summary>
    public Trend GetTrend(int level) => Level(level).Trend;

    /// <summary>Recent pivots of one level (at most KeepPerLevel), oldest confirmed first.</summary>
    public IReadOnlyList<PivotPoint> RecentPivots(int level) => Level(level).Recent.ToArray();

    /// <summary>
    /// Nearest support (highest remembered pivot price at or below <paramref name="price"/>) and resistance (lowest at or
    /// above it) among the remembered pivots of the level, highs and lows alike.
    /// </summary>
    public (double? Support, double? Resistance) NearestLevels(int level, double price)
    {
        double? support = null, resistance = null;
        foreach (var p in Level(level).Recent)
        {
            if (p.Price <= price && (support is null || p.Price > support))
            {
                support = p.Price;
            }

            if (p.Price >= price && (resistance is null || p.Price < resistance))
            {
                resistance = p.Price;
            }
        }

        return (support, resistance);
    }

    /// <summary>The range of one level now, or null while it lacks a high and a low (or they are equal).</summary>
    public PivotLevelBounds? GetLevelBounds(int level)
    {
        var state = Level(level);
        if (state.LastHighEntry is not { } high || state.LastLowEntry is not { } low || high.Point.Price == low.Point.Price)
        {
            return null;
        }

        var older = high.BarIndex <= low.BarIndex ? high : low;
        var volumeMax = _volumeMax.MaxSince(older.BarIndex);
        return volumeMax > 0
            ? new PivotLevelBounds(level, Math.Min(high.Point.Price, low.Point.Price), Math.Max(high.Point.Price, low.Point.Price), volumeMax, older.Point.OpenTimeMs)
            : null;
    }

    /// <summary>PivotBounds for every level as of the latest bar.</summary>
    public PivotBounds GetBounds()
    {
        var levels = new PivotLevelBounds?[PivotSettings.Levels];
        for (var k = 1; k <= levels.Length; k++)
        {
            levels[k - 1] = GetLevelBounds(k);
        }

        return new PivotBounds(Symbol, Timeframe, _lastOpenTimeMs, levels);
    }

    /// <summary>Every level's trend, last pivots, support/resistance around the last close, and bounds.</summary>
    public IReadOnlyList<PivotLevelSummary> Summarize()
    {
        var result = new PivotLevelSummary[PivotSettings.Levels];
        for (var k = 1; k <= result.Length; k++)
        {
            var state = Level(k);
            var (support, resistance) = double.IsNaN(_lastClose) ? (null, null) : NearestLevels(k, _lastClose);
            result[k - 1] = new PivotLevelSummary(k, state.Trend, state.LastHigh, state.LastLow, support, resistance, GetLevelBounds(k));
        }

        return result;
    }

    private LevelState Level(int level) =>
        level is >= 1 and <= PivotSettings.Levels ? _levels[level - 1] : throw new ArgumentOutOfRangeException(nameof(level), level, "Levels are 1 to 5.");

    private void Emit(PivotPoint pivot, long barIndex, List<PivotPoint> confirmed)
    {
        confirmed.Add(pivot);
        var state = _levels[pivot.Level - 1];
        state.Add(new Entry(pivot, barIndex));
        if (pivot.Level == PivotSettings.Levels)
        {
            return;
        }

        // Does this pivot confirm a pivot one level up (its candidate is HigherLevelStrength pivots back)?
        var series = pivot.Type == PivotType.High ? state.HighSeries : state.LowSeries;
        var s = _settings.HigherLevelStrength;
        if (series.Count < (2 * s) + 1)
        {
            return;
        }

        var mid = series.Count - 1 - s;
        var candidate = series[mid];
        var isHigh = pivot.Type == PivotType.High;
        for (var j = 1; j <= s; j++)
        {
            var before = series[mid - j].Point.Price;
            var after = series[mid + j].Point.Price;
            var ok = isHigh
                ? candidate.Point.Price > before && candidate.Point.Price >= after
                : candidate.Point.Price < before && candidate.Point.Price <= after;
            if (!ok)
            {
                return;
            }
        }

        var promoted = candidate.Point with { Level = pivot.Level + 1, ConfirmedAtMs = pivot.ConfirmedAtMs };
        Emit(promoted, candidate.BarIndex, confirmed);
    }

    private readonly record struct Entry(PivotPoint Point, long BarIndex);

    /// <summary>What the detector remembers of one level.</summary>
    private sealed class LevelState(PivotSettings settings)
    {
        private readonly int _keep = settings.KeepPerLevel;

        public Queue<PivotPoint> Recent { get; } = new();

        /// <summary>The last 2·HigherLevelStrength+1 highs (resp. lows), oldest first: the window for the next level.</summary>
        public EntryWindow HighSeries { get; } = new((2 * settings.HigherLevelStrength) + 1);

        public EntryWindow LowSeries { get; } = new((2 * settings.HigherLevelStrength) + 1);

        public Entry? LastHighEntry { get; private set; }

        public Entry? LastLowEntry { get; private set; }

        public PivotPoint? LastHigh => LastHighEntry?.Point;

        public PivotPoint? LastLow => LastLowEntry?.Point;

        private PivotPoint? PreviousHigh { get; set; }

        private PivotPoint? PreviousLow { get; set; }

        public Trend Trend
        {
            get
            {
                if (LastHigh is null || LastLow is null || PreviousHigh is null || PreviousLow is null)
                {
                    return Trend.Unknown;
                }

                if (LastHigh.Price > PreviousHigh.Price && LastLow.Price > PreviousLow.Price)
                {
                    return Trend.Up;
                }

                return LastHigh.Price < PreviousHigh.Price && LastLow.Price < PreviousLow.Price ? Trend.Down : Trend.Sideways;
            }
        }

        public void Add(Entry entry)
        {
            Recent.Enqueue(entry.Point);
            if (Recent.Count > _keep)
            {
                Recent.Dequeue();
            }

            var series = entry.Point.Type == PivotType.High ? HighSeries : LowSeries;
            series.Add(entry);

            if (entry.Point.Type == PivotType.High)
            {
                PreviousHigh = LastHigh;
                LastHighEntry = entry;
            }
            else
            {
                PreviousLow = LastLow;
                LastLowEntry = entry;
            }
        }
    }

    /// <summary>
    /// The newest entries of one level's highs (or lows), at most a fixed number, oldest first: a ring buffer, so adding
    /// to a full window overwrites the oldest entry instead of shifting the others down (List.RemoveAt(0) did).
    /// </summary>
    private sealed class EntryWindow(int capacity)
    {
        private readonly Entry[] _items = new Entry[capacity];
        private int _start;

        public int Count { get; private set; }

        /// <summary>The entry at <paramref name="index"/>, 0 the oldest kept.</summary>
        public Entry this[int index]
        {
            get
            {
                if ((uint)index >= (uint)Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(index));
                }

                var slot = _start + index;
                return _items[slot >= _items.Length ? slot - _items.Length : slot];
            }
        }

        public void Add(Entry entry)
        {
            if (Count < _items.Length)
            {
                var slot = _start + Count;
                _items[slot >= _items.Length ? slot - _items.Length : slot] = entry;
                Count++;
                return;
            }

            _items[_start] = entry;
            _start = _start + 1 == _items.Length ? 0 : _start + 1;
        }
    }

    /// <summary>Largest volume of the bars from a given bar index to the newest, over a bounded look-back: a monotonic deque, binary-searched.</summary>
    private sealed class VolumeMaxTracker(int lookback)
    {
        private readonly long[] _index = new long[lookback + 1];
        private readonly double[] _volume = new double[lookback + 1];
        private int _head;
        private int _size;

        public void Add(long barIndex, double volume)
        {
            // Every slot sum below is under twice the capacity: a compare instead of a modulo (an integer division per
            // step, on every bar of every series).
            var capacity = _index.Length;
            while (_size > 0 && _index[_head] <= barIndex - lookback)
            {
                _head = Wrap(_head + 1, capacity);
                _size--;
            }

            while (_size > 0 && _volume[Wrap(_head + _size - 1, capacity)] <= volume)
            {
                _size--;
            }

            var slot = Wrap(_head + _size, capacity);
            _index[slot] = barIndex;
            _volume[slot] = volume;
            _size++;
        }

        private static int Wrap(int slot, int capacity) => slot >= capacity ? slot - capacity : slot;

        /// <summary>Max volume over bars with index ≥ <paramref name="barIndex"/> (only the look-back is remembered).</summary>
        public double MaxSince(long barIndex)
        {
            // Entries are in increasing index and decreasing volume: the first entry at or after barIndex is the max.
            int lo = 0, hi = _size;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (_index[(_head + mid) % _index.Length] < barIndex)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo < _size ? _volume[(_head + lo) % _index.Length] : 0.0;
        }
    }
}
