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
/// (Binance produces none either for a halted market; for a live market every period has trades). A trade older
/// than the current period of the smallest timeframe is late and refused (returns false): closed candles never change.
/// </remarks>
public sealed class CandleAggregator
{
    private readonly Timeframe[] _timeframes;
    private readonly long[] _durations;
    private readonly long[] _open;
    private readonly double[] _o;
    private readonly double[] _h;
    private readonly double[] _l;
    private readonly double[] _c;
    private readonly double[] _v;
    private readonly double[] _qv;
    private readonly long[] _count;
    private readonly long[] _exchangeTime;
    private readonly long[] _receivedTime;
    private readonly bool[] _active;

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

        var n = _timeframes.Length;
        _durations = _timeframes.Select(t => t.DurationMs()).ToArray();
        _open = new long[n];
        _o = new double[n];
        _h = new double[n];
        _l = new double[n];
        _c = new double[n];
        _v = new double[n];
        _qv = new double[n];
        _count = new long[n];
        _exchangeTime = new long[n];
        _receivedTime = new long[n];
        _active = new bool[n];
    }

    public string Source { get; private set; }

    public string Symbol { get; }

    public IReadOnlyList<Timeframe> Timeframes => _timeframes;

    /// <summary>Source name stamped on candles from now on (after a fallback switch).</summary>
    public void SetSource(string source) => Source = source;

    /// <summary>
    /// Adds one trade. Candles it closes are appended to <paramref name="closed"/> (smallest timeframe first).
    /// Returns false, changing nothing, when the trade is late (before the current period).
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
        var n = _timeframes.Length;
        // Late trade: earlier than the open of the smallest timeframe's current candle.
        if (_active[0] && exchangeTimeMs < _open[0])
        {
            return false;
        }

        for (var i = 0; i < n; i++)
        {
            var d = _durations[i];
            var bucket = exchangeTimeMs - (exchangeTimeMs % d);
            if (!_active[i] || bucket != _open[i])
            {
                if (_active[i])
                {
                    closed.Add(Snapshot(i, isClosed: true));
                }

                _active[i] = true;
                _open[i] = bucket;
                _o[i] = price;
                _h[i] = price;
                _l[i] = price;
                _c[i] = price;
                _v[i] = quantity;
                _qv[i] = price * quantity;
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
                _qv[i] += price * quantity;
                _count[i]++;
            }

            _exchangeTime[i] = exchangeTimeMs;
            _receivedTime[i] = receivedTimeMs;
        }

        return true;
    }

    /// <summary>
    /// Rolls a closed kline of a smaller timeframe into every larger configured timeframe that it divides, and
    /// takes it as is for its own timeframe. Candles it closes are appended to <paramref name="closed"/>; the kline
    /// itself is appended too when its timeframe is configured. Returns false for a kline older than the current period.
    /// </summary>
    public bool AddClosedKline(OHLCVBar bar, List<OHLCVBar> closed)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(closed);
        var barDuration = bar.Timeframe.DurationMs();
        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (_durations[i] < barDuration || _durations[i] % barDuration != 0)
            {
                continue;
            }

            var bucket = bar.OpenTimeMs - (bar.OpenTimeMs % _durations[i]);
            if (_active[i] && bucket < _open[i])
            {
                return false;
            }
        }

        for (var i = 0; i < _timeframes.Length; i++)
        {
            if (_durations[i] < barDuration || _durations[i] % barDuration != 0)
            {
                continue;
            }

            var bucket = bar.OpenTimeMs - (bar.OpenTimeMs % _durations[i]);
            if (_durations[i] == barDuration)
            {
                // Same timeframe: the venue's closed kline is final as it is.
                _active[i] = false;
                closed.Add(bar.IsClosed ? bar with { Source = Source } : bar with { Source = Source, IsClosed = true });
                continue;
            }

            if (!_active[i] || bucket != _open[i])
            {
                if (_active[i])
                {
                    closed.Add(Snapshot(i, isClosed: true));
                }

                _active[i] = true;
                _open[i] = bucket;
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

            _exchangeTime[i] = bar.ExchangeTimeMs != 0 ? bar.ExchangeTimeMs : bar.CloseTimeMs;
            _receivedTime[i] = bar.ReceivedTimeMs;

            // A larger candle whose last sub-period has just been added is complete: close it now rather than
            // waiting for the next period's first kline.
            if (bar.OpenTimeMs + barDuration == _open[i] + _durations[i])
            {
                closed.Add(Snapshot(i, isClosed: true));
                _active[i] = false;
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
            if (_active[i] && _open[i] + _durations[i] <= nowMs)
            {
                closed.Add(Snapshot(i, isClosed: true));
                _active[i] = false;
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

    /// <summary>Forgets the forming candles (after a source switch the gap is backfilled from closed klines instead).</summary>
    public void Reset() => Array.Clear(_active);

    private OHLCVBar Snapshot(int i, bool isClosed) =>
        new(Source, Symbol, _timeframes[i], _open[i], _o[i], _h[i], _l[i], _c[i], _v[i], isClosed)
        {
            QuoteVolume = _qv[i],
            TradeCount = _count[i],
            ExchangeTimeMs = _exchangeTime[i],
            ReceivedTimeMs = _receivedTime[i],
        };
}
