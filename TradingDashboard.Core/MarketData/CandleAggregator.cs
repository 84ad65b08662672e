using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Builds candles of several timeframes for one symbol, from trades or from closed klines of a smaller timeframe.
/// Not thread-safe: one aggregator per symbol, fed by one stage. State is kept in flat arrays (no allocation per
/// trade); a record is allocated only when a candle closes or when a forming snapshot is asked for.
/// </summary>
/// <remarks>
/// Rules: a candle covers [open, open + interval). The first trade of a period opens it; a trade in a later period
/// closes the current candle (final from then on) and opens the next. Periods without trades produce no candle
/// (Binance produces none either for a halted market; for a live market every period has trades). A trade (or kline)
/// that falls into a period that is already closed, or before the current period, is late and refused (returns
/// false): closed candles never change and are never published twice.
/// <para>
/// Speed: the timeframes are nested (1s, 1m, 1h, 1d each divide the next), so a trade inside the current period of
/// the smallest timeframe is inside the current period of every larger one. That common case is recognised by two
/// comparisons against the cached bounds of the smallest period and then updates high/low/close/sums/count/times of
/// all (at most four) timeframes at once, one 4-lane vector per field, with the same arithmetic per lane as the
/// scalar code (so sums are bit-identical to adding trade by trade). Bucket starts (divisions) are computed only
/// when the smallest period rolls over.
/// </para>
/// </remarks>
public sealed class CandleAggregator
{
    /// <summary>Every Timeframe fits in one 4-lane vector; arrays are this long whatever the number of timeframes.</summary>
    private const int Lanes = 4;

    private readonly Timeframe[] _timeframes;
    private readonly long[] _durations;

    // Forming candle per timeframe, one array per field (structure of arrays, for the vector fast path).
    private readonly long[] _open = new long[Lanes];
    private readonly long[] _end = new long[Lanes];
    private readonly double[] _o = new double[Lanes];
    private readonly double[] _h = new double[Lanes];
    private readonly double[] _l = new double[Lanes];
    private readonly double[] _c = new double[Lanes];
    private readonly double[] _v = new double[Lanes];
    private readonly double[] _qv = new double[Lanes];
    private readonly long[] _count = new long[Lanes];
    private readonly long[] _exchangeTime = new long[Lanes];
    private readonly long[] _receivedTime = new long[Lanes];
    private readonly bool[] _active = new bool[Lanes];

    /// <summary>End of the last sub-period kline rolled in per timeframe (repeats and out-of-order klines are refused).</summary>
    private readonly long[] _inputEnd = new long[Lanes];

    /// <summary>End (exclusive) of the last closed candle per timeframe: nothing before it is accepted any more.</summary>
    private readonly long[] _closedUntil = new long[Lanes];

    // Bounds of the smallest timeframe's forming period while every timeframe has a forming candle containing it
    // (set by the trade path); an empty range otherwise, so the fast-path test fails.
    private long _fastOpen;
    private long _fastEnd = long.MinValue;

    public CandleAggregator(string source, string symbol, IEnumerable<Timeframe> timeframes)
    {
        ArgumentNullException.ThrowIfNull(timeframes);
        Source = source;
        Symbol = symbol;
        _timeframes = timeframes.Distinct().Order().ToArray();
        if (_timeframes.Length == 0)
        {
            throw new ArgumentException("At least one timeframe is needed.", nameof(timeframes));
        }

        _durations = _timeframes.Select(t => t.DurationMs()).ToArray();
        for (var i = 1; i < _durations.Length; i++)
        {
            // The fast path relies on nesting; every Timeframe value divides the next, this guards a future one that would not.
            if (_durations[i] % _durations[i - 1] != 0)
            {
                throw new ArgumentException($"Timeframe {_timeframes[i].ToCode()} is not a multiple of {_timeframes[i - 1].ToCode()}.", nameof(timeframes));
            }
        }

        Array.Fill(_closedUntil, long.MinValue);
    }

    public string Source { get; private set; }

    public string Symbol { get; }

    public IReadOnlyList<Timeframe> Timeframes => _timeframes;

    /// <summary>Takes the scalar fast path even where vectors are accelerated (so tests cover both paths).</summary>
    internal bool ForceScalar { get; init; }

    /// <summary>Source name stamped on candles from now on (after a fallback switch).</summary>
    public void SetSource(string source) => Source = source;

    /// <summary>
    /// Adds one trade. Candles it closes are appended to <paramref name="closed"/> (smallest timeframe first).
    /// Returns false, changing nothing, when the trade is late (before the current period, or in a closed one).
    /// </summary>
    public bool AddTrade(MarketTick tick, List<OHLCVBar> closed)
    {
        ArgumentNullException.ThrowIfNull(tick);
        return AddTrade(tick.Price, tick.Quantity, tick.ExchangeTimeMs, tick.ReceivedTimeMs, closed);
    }

    /// <summary>Allocation-free core of <see cref="AddTrade(MarketTick, List{OHLCVBar})"/>.</summary>
    public bool AddTrade(double price, double quantity, long exchangeTimeMs, long receivedTimeMs, List<OHLCVBar> closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        if (exchangeTimeMs >= _fastOpen && exchangeTimeMs < _fastEnd)
        {
            if (Vector256.IsHardwareAccelerated && !ForceScalar)
            {
                UpdateAllVector(price, quantity, exchangeTimeMs, receivedTimeMs);
            }
            else
            {
                UpdateAllScalar(price, quantity, exchangeTimeMs, receivedTimeMs);
            }

            return true;
        }

        return AddTradeSlow(price, quantity, exchangeTimeMs, receivedTimeMs, closed);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdateAllVector(double price, double quantity, long exchangeTimeMs, long receivedTimeMs)
    {
        // Lanes past the configured timeframes carry junk that is never read.
        var p = Vector256.Create(price);
        ref var h = ref MemoryMarshal.GetArrayDataReference(_h);
        ref var l = ref MemoryMarshal.GetArrayDataReference(_l);
        ref var v = ref MemoryMarshal.GetArrayDataReference(_v);
        ref var qv = ref MemoryMarshal.GetArrayDataReference(_qv);
        ref var n = ref MemoryMarshal.GetArrayDataReference(_count);

        // MaxNative(p, h) is "p > h ? p : h" on x86, the scalar rule below, NaN included.
        Vector256.MaxNative(p, Vector256.LoadUnsafe(ref h)).StoreUnsafe(ref h);
        Vector256.MinNative(p, Vector256.LoadUnsafe(ref l)).StoreUnsafe(ref l);
        p.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_c));
        (Vector256.LoadUnsafe(ref v) + Vector256.Create(quantity)).StoreUnsafe(ref v);
        (Vector256.LoadUnsafe(ref qv) + Vector256.Create(price * quantity)).StoreUnsafe(ref qv);
        (Vector256.LoadUnsafe(ref n) + Vector256<long>.One).StoreUnsafe(ref n);
        Vector256.Create(exchangeTimeMs).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_exchangeTime));
        Vector256.Create(receivedTimeMs).StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_receivedTime));
    }

    private void UpdateAllScalar(double price, double quantity, long exchangeTimeMs, long receivedTimeMs)
    {
        var quote = price * quantity;
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (price > _h[i])
            {
                _h[i] = price;
            }

            if (price < _l[i])
            {
                _l[i] = price;
            }

            _c[i] = price;
            _v[i] += quantity;
            _qv[i] += quote;
            _count[i]++;
            _exchangeTime[i] = exchangeTimeMs;
            _receivedTime[i] = receivedTimeMs;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool AddTradeSlow(double price, double quantity, long exchangeTimeMs, long receivedTimeMs, List<OHLCVBar> closed)
    {
        var n = _timeframes.Length;
        Span<long> buckets = stackalloc long[Lanes];
        for (var i = 0; i < n; i++)
        {
            var d = _durations[i];
            var rem = exchangeTimeMs % d;
            var bucket = exchangeTimeMs - (rem < 0 ? rem + d : rem);
            if (bucket < _closedUntil[i] || (_active[i] && bucket < _open[i]))
            {
                return false;
            }

            buckets[i] = bucket;
        }

        var quote = price * quantity;
        for (var i = 0; i < n; i++)
        {
            var bucket = buckets[i];
            if (!_active[i] || bucket != _open[i])
            {
                if (_active[i])
                {
                    Close(i, closed);
                }

                _active[i] = true;
                _open[i] = bucket;
                _end[i] = bucket + _durations[i];
                _o[i] = price;
                _h[i] = price;
                _l[i] = price;
                _c[i] = price;
                _v[i] = quantity;
                _qv[i] = quote;
                _count[i] = 1;
            }
            else
            {
                if (price > _h[i])
                {
                    _h[i] = price;
                }

                if (price < _l[i])
                {
                    _l[i] = price;
                }

                _c[i] = price;
                _v[i] += quantity;
                _qv[i] += quote;
                _count[i]++;
            }

            _exchangeTime[i] = exchangeTimeMs;
            _receivedTime[i] = receivedTimeMs;
        }

        // Every timeframe now has a forming candle containing the smallest one's period.
        _fastOpen = _open[0];
        _fastEnd = _end[0];
        return true;
    }

    /// <summary>
    /// Rolls a closed kline of a smaller timeframe into every larger configured timeframe that it divides, and
    /// takes it as is for its own timeframe. Candles it closes are appended to <paramref name="closed"/>; the kline
    /// itself is appended too when its timeframe is configured. A larger candle closes as soon as its last
    /// sub-period has been added (the 1m kline of 10:59 closes the 10:00 hour), else when a kline of a later period
    /// arrives or <see cref="CloseElapsed"/> passes its end. Returns false, changing nothing, for a kline that is late:
    /// older than the current period, in a period already closed, or a repeat of a sub-period already added.
    /// </summary>
    public bool AddClosedKline(OHLCVBar bar, List<OHLCVBar> closed)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(closed);
        var barDuration = bar.Timeframe.DurationMs();
        if (bar.Timeframe.BucketStart(bar.OpenTimeMs) != bar.OpenTimeMs)
        {
            throw new ArgumentException($"Kline open time {bar.OpenTimeMs} is not on the {bar.Timeframe.ToCode()} grid.", nameof(bar));
        }

        var barEnd = bar.OpenTimeMs + barDuration;
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (!Covers(i, barDuration))
            {
                continue;
            }

            var bucket = _timeframes[i].BucketStart(bar.OpenTimeMs);
            if (bucket < _closedUntil[i] || (_active[i] && (bucket < _open[i] || (bucket == _open[i] && bar.OpenTimeMs < _inputEnd[i]))))
            {
                return false;
            }
        }

        DisableFastPath();
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (!Covers(i, barDuration))
            {
                continue;
            }

            if (_durations[i] == barDuration)
            {
                // Same timeframe: the venue's closed kline is final as it is.
                _active[i] = false;
                _closedUntil[i] = barEnd;
                closed.Add(bar.IsClosed && bar.Source == Source ? bar : bar with { Source = Source, IsClosed = true });
                continue;
            }

            var bucket = _timeframes[i].BucketStart(bar.OpenTimeMs);
            if (!_active[i] || bucket != _open[i])
            {
                if (_active[i])
                {
                    Close(i, closed);
                }

                _active[i] = true;
                _open[i] = bucket;
                _end[i] = bucket + _durations[i];
                _o[i] = bar.Open;
                _h[i] = bar.High;
                _l[i] = bar.Low;
                _c[i] = bar.Close;
                _v[i] = bar.Volume;
                _qv[i] = bar.QuoteVolume;
                _count[i] = bar.TradeCount;
            }
            else
            {
                _h[i] = Math.Max(_h[i], bar.High);
                _l[i] = Math.Min(_l[i], bar.Low);
                _c[i] = bar.Close;
                _v[i] += bar.Volume;
                _qv[i] += bar.QuoteVolume;
                _count[i] += bar.TradeCount;
            }

            _inputEnd[i] = barEnd;
            _exchangeTime[i] = bar.ExchangeTimeMs != 0 ? bar.ExchangeTimeMs : bar.CloseTimeMs;
            _receivedTime[i] = bar.ReceivedTimeMs;

            // A larger candle whose last sub-period has just been added is complete: close it now rather than
            // waiting for the next period's first kline.
            if (barEnd == _end[i])
            {
                Close(i, closed);
            }
        }

        return true;
    }

    /// <summary>
    /// Closes every candle whose period ended at or before <paramref name="nowMs"/> (time passed with no trade).
    /// Used on the clock tick so a quiet market still closes its candles.
    /// </summary>
    public void CloseElapsed(long nowMs, List<OHLCVBar> closed)
    {
        ArgumentNullException.ThrowIfNull(closed);
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (_active[i] && _end[i] <= nowMs)
            {
                Close(i, closed);
                DisableFastPath();
            }
        }
    }

    /// <summary>The forming candle of <paramref name="timeframe"/>, or null when none is open.</summary>
    public OHLCVBar? Forming(Timeframe timeframe)
    {
        var i = Array.IndexOf(_timeframes, timeframe);
        return i >= 0 && _active[i] ? Snapshot(i, isClosed: false) : null;
    }

    /// <summary>Open time of the current candle of <paramref name="timeframe"/>, or null.</summary>
    public long? FormingOpenTime(Timeframe timeframe)
    {
        var i = Array.IndexOf(_timeframes, timeframe);
        return i >= 0 && _active[i] ? _open[i] : null;
    }

    /// <summary>
    /// Forgets the forming candles (after a source switch the gap is backfilled from closed klines instead).
    /// Closed periods stay closed: data for them is still refused.
    /// </summary>
    public void Reset()
    {
        Array.Clear(_active);
        DisableFastPath();
    }

    private void DisableFastPath()
    {
        _fastOpen = 0;
        _fastEnd = long.MinValue;
    }

    private bool Covers(int i, long barDuration) => _durations[i] >= barDuration && _durations[i] % barDuration == 0;

    private void Close(int i, List<OHLCVBar> closed)
    {
        closed.Add(Snapshot(i, isClosed: true));
        _active[i] = false;
        _closedUntil[i] = _end[i];
    }

    private OHLCVBar Snapshot(int i, bool isClosed) =>
        new(Source, Symbol, _timeframes[i], _open[i], _o[i], _h[i], _l[i], _c[i], _v[i], isClosed)
        {
            QuoteVolume = _qv[i],
            TradeCount = _count[i],
            ExchangeTimeMs = _exchangeTime[i],
            ReceivedTimeMs = _receivedTime[i],
        };
}
