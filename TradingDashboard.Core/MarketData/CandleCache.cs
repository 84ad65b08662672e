using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// The in-memory candles: per symbol and timeframe a bounded ring of closed candles (oldest dropped first) plus the
/// forming candle. Thread-safe; one lock per series.
/// </summary>
/// <remarks>
/// Rules: one candle per open time. A closed candle replaces any earlier version with its open time (forming or
/// closed) and drops a forming candle at or before its open time; a forming candle is taken only when it is newer than
/// every closed candle and at least as new as the current forming one, so a closed candle is never replaced by a
/// forming one. Closed candles older than the ring's oldest are ignored once the ring is full.
/// </remarks>
public sealed class CandleCache : ICandleCache
{
    private readonly ConcurrentDictionary<CandleSeriesKey, Series> _series = new();
    private readonly Lock _subscribersGate = new();
    private readonly ILogger _logger;
    private Action<OHLCVBar>[] _subscribers = [];

    public CandleCache(IOptions<TradingOptions> options, ILogger<CandleCache> logger)
        : this(options?.Value.MarketData.CacheCandles ?? throw new ArgumentNullException(nameof(options)), logger)
    {
    }

    /// <param name="capacity">Closed candles kept per symbol and timeframe.</param>
    public CandleCache(int capacity, ILogger<CandleCache>? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _logger = logger ?? NullLogger<CandleCache>.Instance;
    }

    /// <summary>Closed candles kept per symbol and timeframe.</summary>
    public int Capacity { get; }

    public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (limit <= 0 || !_series.TryGetValue(new CandleSeriesKey(symbol, timeframe), out var series))
        {
            return ReadOnlyCollection<OHLCVBar>.Empty;
        }

        return series.Copy(limit);
    }

    /// <summary>The newest closed candle of the series, or null.</summary>
    public OHLCVBar? LatestClosed(string symbol, Timeframe timeframe) =>
        _series.TryGetValue(new CandleSeriesKey(symbol, timeframe), out var series) ? series.LatestClosed() : null;

    /// <summary>The forming candle of the series, or null.</summary>
    public OHLCVBar? Forming(string symbol, Timeframe timeframe) =>
        _series.TryGetValue(new CandleSeriesKey(symbol, timeframe), out var series) ? series.FormingBar() : null;

    /// <summary>
    /// Applies one candle update under the rules above and notifies subscribers when it was taken. Returns false when
    /// the update was ignored (a forming candle older than what is held, or a closed one older than the full ring).
    /// </summary>
    public bool Update(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        var series = _series.GetOrAdd(new CandleSeriesKey(bar.Symbol, bar.Timeframe), static (_, capacity) => new Series(capacity), Capacity);
        if (!series.Apply(bar))
        {
            return false;
        }

        Notify(bar);
        return true;
    }

    /// <summary>Loads closed candles (warm start from the store) without notifying subscribers.</summary>
    public void Load(IEnumerable<OHLCVBar> closedBars)
    {
        ArgumentNullException.ThrowIfNull(closedBars);
        foreach (var bar in closedBars)
        {
            if (bar.IsClosed)
            {
                _series.GetOrAdd(new CandleSeriesKey(bar.Symbol, bar.Timeframe), static (_, capacity) => new Series(capacity), Capacity).Apply(bar);
            }
        }
    }

    /// <summary>Drops the forming candle of every series (the feed stopped; a stale forming candle would mislead).</summary>
    public void ClearForming()
    {
        foreach (var series in _series.Values)
        {
            series.ClearForming();
        }
    }

    public IDisposable Subscribe(Action<OHLCVBar> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    private void Unsubscribe(Action<OHLCVBar> handler)
    {
        lock (_subscribersGate)
        {
            var index = Array.IndexOf(_subscribers, handler);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private void Notify(OHLCVBar bar)
    {
        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            try
            {
                handler(bar);
            }
#pragma warning disable CA1031 // A faulty subscriber must not break the feed or the other subscribers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogWarning(ex, "Candle cache subscriber failed on {Symbol} {Timeframe}", bar.Symbol, bar.Timeframe);
            }
        }
    }

    private sealed class Subscription(CandleCache owner, Action<OHLCVBar> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }

    /// <summary>Closed candles in a circular buffer kept sorted by open time, plus the forming candle.</summary>
    private sealed class Series(int capacity)
    {
        private readonly Lock _gate = new();
        private readonly OHLCVBar[] _ring = new OHLCVBar[capacity];
        private int _head;
        private int _count;
        private OHLCVBar? _forming;

        public bool Apply(OHLCVBar bar)
        {
            lock (_gate)
            {
                return bar.IsClosed ? ApplyClosed(bar) : ApplyForming(bar);
            }
        }

        public OHLCVBar? LatestClosed()
        {
            lock (_gate)
            {
                return _count == 0 ? null : At(_count - 1);
            }
        }

        public OHLCVBar? FormingBar()
        {
            lock (_gate)
            {
                return _forming;
            }
        }

        public void ClearForming()
        {
            lock (_gate)
            {
                _forming = null;
            }
        }

        public ReadOnlyCollection<OHLCVBar> Copy(int limit)
        {
            lock (_gate)
            {
                var withForming = _forming is null ? 0 : 1;
                var total = Math.Min(limit, _count + withForming);
                var closedTaken = total - withForming;
                if (closedTaken < 0)
                {
                    // limit is 1 and there is a forming candle: the forming one is the latest.
                    closedTaken = 0;
                }

                var result = new OHLCVBar[total];
                var first = _count - closedTaken;
                for (var i = 0; i < closedTaken; i++)
                {
                    result[i] = At(first + i);
                }

                if (withForming == 1 && total > closedTaken)
                {
                    result[closedTaken] = _forming!;
                }

                return new ReadOnlyCollection<OHLCVBar>(result);
            }
        }

        private bool ApplyForming(OHLCVBar bar)
        {
            if (_count > 0 && bar.OpenTimeMs <= At(_count - 1).OpenTimeMs)
            {
                return false;
            }

            if (_forming is not null && bar.OpenTimeMs < _forming.OpenTimeMs)
            {
                return false;
            }

            _forming = bar;
            return true;
        }

        private bool ApplyClosed(OHLCVBar bar)
        {
            if (_forming is not null && _forming.OpenTimeMs <= bar.OpenTimeMs)
            {
                _forming = null;
            }

            // Common case: a new candle after the newest.
            if (_count == 0 || bar.OpenTimeMs > At(_count - 1).OpenTimeMs)
            {
                Append(bar);
                return true;
            }

            var index = Search(bar.OpenTimeMs);
            if (index >= 0)
            {
                _ring[Physical(index)] = bar;
                return true;
            }

            var insertAt = ~index;
            if (insertAt == 0 && _count == _ring.Length)
            {
                // Older than everything held by a full ring: outside the window.
                return false;
            }

            Insert(insertAt, bar);
            return true;
        }

        private void Append(OHLCVBar bar)
        {
            if (_count < _ring.Length)
            {
                _ring[Physical(_count)] = bar;
                _count++;
            }
            else
            {
                _ring[_head] = bar;
                _head = (_head + 1) % _ring.Length;
            }
        }

        /// <summary>Inserts at logical position <paramref name="at"/>, dropping the oldest when full (backfill into a gap; rare).</summary>
        private void Insert(int at, OHLCVBar bar)
        {
            if (_count == _ring.Length)
            {
                // Drop the oldest; everything before the insertion point shifts left by one.
                _head = (_head + 1) % _ring.Length;
                _count--;
                at--;
            }

            for (var i = _count; i > at; i--)
            {
                _ring[Physical(i)] = _ring[Physical(i - 1)];
            }

            _ring[Physical(at)] = bar;
            _count++;
        }

        /// <summary>Binary search by open time over logical positions; ~insertion point when absent.</summary>
        private int Search(long openTimeMs)
        {
            int lo = 0, hi = _count - 1;
            while (lo <= hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                var t = At(mid).OpenTimeMs;
                if (t == openTimeMs)
                {
                    return mid;
                }

                if (t < openTimeMs)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return ~lo;
        }

        private OHLCVBar At(int logical) => _ring[Physical(logical)];

        private int Physical(int logical) => (_head + logical) % _ring.Length;
    }
}
