using System.Runtime.CompilerServices;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Builds candles of several timeframes for one symbol, from trades or from closed klines of a smaller timeframe.
/// Not thread-safe: one aggregator per symbol, fed by one stage. State is kept in a flat array of structs (no
/// allocation per trade); a record is allocated only when a candle closes or when a forming snapshot is asked for.
/// </summary>
/// <remarks>
/// Rules: a candle covers [open, open + interval). The first trade of a period opens it; a trade in a later period
/// closes the current candle (final from then on) and opens the next. Periods without trades produce no candle
/// (Binance produces none either for a halted market; for a live market every period has trades). A trade (or kline)
/// that falls into a period that is already closed, or before the current period, is late and refused (returns
/// false): closed candles never change and are never published twice.
/// <para>
/// Speed: the timeframes are nested (1s, 1m, 1h, 1d each divide the next), so a trade inside the current period of
/// the smallest timeframe is inside the current period of every larger one. That common case is checked against the
/// cached bucket end with two comparisons and only updates high/low/close/sums; the divisions that find bucket starts
/// run only when the smallest period rolls over.
/// </para>
/// </remarks>
public sealed class CandleAggregator
{
    private readonly Timeframe[] _timeframes;
    private readonly long[] _durations;
    private readonly State[] _state;

    /// <summary>End (exclusive) of the last closed candle per timeframe: nothing before it is accepted any more.</summary>
    private readonly long[] _closedUntil;

    /// <summary>True while every timeframe has a forming candle that contains the smallest one's period (set by the trade path).</summary>
    private bool _nested;

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

        _state = new State[_timeframes.Length];
        _closedUntil = new long[_timeframes.Length];
        Array.Fill(_closedUntil, long.MinValue);
    }

    public string Source { get; private set; }

    public string Symbol { get; }

    public IReadOnlyList<Timeframe> Timeframes => _timeframes;

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
        var state = _state;
        if (_nested && exchangeTimeMs >= state[0].Open && exchangeTimeMs < state[0].End)
        {
            var quote = price * quantity;
            for (var i = 0; i < state.Length; i++)
            {
                ref var s = ref state[i];
                if (price > s.High)
                {
                    s.High = price;
                }

                if (price < s.Low)
                {
                    s.Low = price;
                }

                s.Close = price;
                s.Volume += quantity;
                s.QuoteVolume += quote;
                s.Count++;
                s.ExchangeTime = exchangeTimeMs;
                s.ReceivedTime = receivedTimeMs;
            }

            return true;
        }

        return AddTradeSlow(price, quantity, exchangeTimeMs, receivedTimeMs, closed);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool AddTradeSlow(double price, double quantity, long exchangeTimeMs, long receivedTimeMs, List<OHLCVBar> closed)
    {
        var n = _state.Length;
        for (var i = 0; i < n; i++)
        {
            var bucket = _timeframes[i].BucketStart(exchangeTimeMs);
            if (bucket < _closedUntil[i] || (_state[i].Active && bucket < _state[i].Open))
            {
                return false;
            }
        }

        var quote = price * quantity;
        for (var i = 0; i < n; i++)
        {
            ref var s = ref _state[i];
            var bucket = _timeframes[i].BucketStart(exchangeTimeMs);
            if (!s.Active || bucket != s.Open)
            {
                if (s.Active)
                {
                    Close(i, closed);
                }

                s.Active = true;
                s.Open = bucket;
                s.End = bucket + _durations[i];
                s.O = price;
                s.High = price;
                s.Low = price;
                s.Close = price;
                s.Volume = quantity;
                s.QuoteVolume = quote;
                s.Count = 1;
            }
            else
            {
                if (price > s.High)
                {
                    s.High = price;
                }

                if (price < s.Low)
                {
                    s.Low = price;
                }

                s.Close = price;
                s.Volume += quantity;
                s.QuoteVolume += quote;
                s.Count++;
            }

            s.ExchangeTime = exchangeTimeMs;
            s.ReceivedTime = receivedTimeMs;
        }

        _nested = true;
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
            ref var s = ref _state[i];
            if (bucket < _closedUntil[i] || (s.Active && (bucket < s.Open || (bucket == s.Open && bar.OpenTimeMs < s.InputEnd))))
            {
                return false;
            }
        }

        _nested = false;
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (!Covers(i, barDuration))
            {
                continue;
            }

            ref var s = ref _state[i];
            if (_durations[i] == barDuration)
            {
                // Same timeframe: the venue's closed kline is final as it is.
                s.Active = false;
                _closedUntil[i] = barEnd;
                closed.Add(bar.IsClosed && bar.Source == Source ? bar : bar with { Source = Source, IsClosed = true });
                continue;
            }

            var bucket = _timeframes[i].BucketStart(bar.OpenTimeMs);
            if (!s.Active || bucket != s.Open)
            {
                if (s.Active)
                {
                    Close(i, closed);
                }

                s.Active = true;
                s.Open = bucket;
                s.End = bucket + _durations[i];
                s.O = bar.Open;
                s.High = bar.High;
                s.Low = bar.Low;
                s.Close = bar.Close;
                s.Volume = bar.Volume;
                s.QuoteVolume = bar.QuoteVolume;
                s.Count = bar.TradeCount;
            }
            else
            {
                s.High = Math.Max(s.High, bar.High);
                s.Low = Math.Min(s.Low, bar.Low);
                s.Close = bar.Close;
                s.Volume += bar.Volume;
                s.QuoteVolume += bar.QuoteVolume;
                s.Count += bar.TradeCount;
            }

            s.InputEnd = barEnd;
            s.ExchangeTime = bar.ExchangeTimeMs != 0 ? bar.ExchangeTimeMs : bar.CloseTimeMs;
            s.ReceivedTime = bar.ReceivedTimeMs;

            // A larger candle whose last sub-period has just been added is complete: close it now rather than
            // waiting for the next period's first kline.
            if (barEnd == s.End)
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
        for (var i = 0; i < _state.Length; i++)
        {
            if (_state[i].Active && _state[i].End <= nowMs)
            {
                Close(i, closed);
                _nested = false;
            }
        }
    }

    /// <summary>The forming candle of <paramref name="timeframe"/>, or null when none is open.</summary>
    public OHLCVBar? Forming(Timeframe timeframe)
    {
        var i = Array.IndexOf(_timeframes, timeframe);
        return i >= 0 && _state[i].Active ? Snapshot(i, isClosed: false) : null;
    }

    /// <summary>Open time of the current candle of <paramref name="timeframe"/>, or null.</summary>
    public long? FormingOpenTime(Timeframe timeframe)
    {
        var i = Array.IndexOf(_timeframes, timeframe);
        return i >= 0 && _state[i].Active ? _state[i].Open : null;
    }

    /// <summary>
    /// Forgets the forming candles (after a source switch the gap is backfilled from closed klines instead).
    /// Closed periods stay closed: data for them is still refused.
    /// </summary>
    public void Reset()
    {
        for (var i = 0; i < _state.Length; i++)
        {
            _state[i].Active = false;
        }

        _nested = false;
    }

    private bool Covers(int i, long barDuration) => _durations[i] >= barDuration && _durations[i] % barDuration == 0;

    private void Close(int i, List<OHLCVBar> closed)
    {
        closed.Add(Snapshot(i, isClosed: true));
        _state[i].Active = false;
        _closedUntil[i] = _state[i].End;
    }

    private OHLCVBar Snapshot(int i, bool isClosed)
    {
        ref readonly var s = ref _state[i];
        return new(Source, Symbol, _timeframes[i], s.Open, s.O, s.High, s.Low, s.Close, s.Volume, isClosed)
        {
            QuoteVolume = s.QuoteVolume,
            TradeCount = s.Count,
            ExchangeTimeMs = s.ExchangeTime,
            ReceivedTimeMs = s.ReceivedTime,
        };
    }

    /// <summary>The forming candle of one timeframe; one struct per timeframe so the per-trade update touches one cache line or two.</summary>
    private struct State
    {
        public long Open;
        public long End;
        public double O;
        public double High;
        public double Low;
        public double Close;
        public double Volume;
        public double QuoteVolume;
        public long Count;
        public long ExchangeTime;
        public long ReceivedTime;

        /// <summary>End of the last sub-period kline rolled in (repeats and out-of-order klines are refused).</summary>
        public long InputEnd;
        public bool Active;
    }
}
