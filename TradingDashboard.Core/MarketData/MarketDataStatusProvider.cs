using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Latest market data status: the fallback chain's active source, each source's state, each symbol's last price and
/// 24 h change, and the newest closed candle. Fed by the <see cref="DataProvider"/>. Source and active-source changes
/// are published at once; price and message updates only mark the status changed and go out on
/// <see cref="PublishIfChanged"/> (called on the provider's clock tick) at most once per <see cref="PublishInterval"/>.
/// </summary>
/// <remarks>
/// 24 h change = (last price - price 24 h ago) / price 24 h ago, where "24 h ago" is measured from the last price's
/// venue time and the price then is the open of the 1m candle containing that instant (or, when no 1m candle within
/// five minutes before it is cached, the open of the 1h candle containing it). Null when neither is known.
/// <see cref="MarketDataStatus.LastCandleAt"/> is the end (open + interval) of the newest closed candle, in market time.
/// </remarks>
public sealed class MarketDataStatusProvider : IMarketDataStatusProvider
{
    /// <summary>Minimum time between two notifications for price and message updates.</summary>
    public static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);

    private const long DayMs = 86_400_000L;
    private const long NearbyMs = 5 * 60_000L;

    private readonly ICandleCache _cache;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<MarketDataStatusProvider> _logger;
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<string> _symbols;
    private readonly Dictionary<string, SymbolState> _symbolStates = new(StringComparer.Ordinal);
    private readonly List<SourceState> _sources = [];
    private Action<MarketDataStatus>[] _subscribers = [];
    private string? _activeSource;
    private long? _lastCandleEndMs;
    private MarketDataStatus? _current;
    private bool _changed = true;
    private DateTimeOffset _lastPublishedAt = DateTimeOffset.MinValue;

    public MarketDataStatusProvider(IOptions<TradingOptions> options, ICandleCache cache, TimeProvider timeProvider, ILogger<MarketDataStatusProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _cache = cache;
        _timeProvider = timeProvider;
        _logger = logger;
        _symbols = [.. options.Value.Symbols];
        foreach (var symbol in _symbols)
        {
            _symbolStates[symbol] = new SymbolState();
        }
    }

    /// <summary>The latest snapshot (rebuilt when something changed since the last one).</summary>
    public MarketDataStatus Current
    {
        get
        {
            lock (_gate)
            {
                if (_current is null || _changed)
                {
                    _current = Build();
                    _changed = false;
                }

                return _current;
            }
        }
    }

    public IDisposable Subscribe(Action<MarketDataStatus> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    /// <summary>Declares the sources of the fallback chain, in order (all Idle).</summary>
    public void SetSources(IEnumerable<(string Name, bool Polling)> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        lock (_gate)
        {
            _sources.Clear();
            foreach (var (name, polling) in sources)
            {
                _sources.Add(new SourceState(name, polling));
            }

            _changed = true;
        }

        PublishNow();
    }

    public void SetActiveSource(string? name)
    {
        lock (_gate)
        {
            if (_activeSource == name)
            {
                return;
            }

            _activeSource = name;
            _changed = true;
        }

        PublishNow();
    }

    public void SetSourceState(string name, SourceConnectionState state, string? detail)
    {
        lock (_gate)
        {
            var source = _sources.Find(s => s.Name == name);
            if (source is null)
            {
                source = new SourceState(name, false);
                _sources.Add(source);
            }

            if (source.State == state && source.Detail == detail)
            {
                return;
            }

            source.State = state;
            source.Detail = detail;
            _changed = true;
        }

        PublishNow();
    }

    /// <summary>A message (trade or kline) arrived from <paramref name="source"/> now.</summary>
    public void RecordMessage(string source)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            var state = _sources.Find(s => s.Name == source);
            if (state is not null)
            {
                state.LastMessageAt = now;
                _changed = true;
            }
        }
    }

    /// <summary>The last traded (or latest kline close) price of <paramref name="symbol"/> at venue time <paramref name="exchangeTimeMs"/>.</summary>
    public void RecordPrice(string symbol, double price, long exchangeTimeMs)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_symbolStates.TryGetValue(symbol, out var state))
            {
                state.LastPrice = price;
                state.LastPriceTimeMs = exchangeTimeMs;
                state.LastUpdateAt = now;
                _changed = true;
            }
        }
    }

    /// <summary>A candle closed (live or backfilled).</summary>
    public void RecordClosedCandle(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        var end = bar.OpenTimeMs + bar.Timeframe.DurationMs();
        lock (_gate)
        {
            if (_lastCandleEndMs is null || end > _lastCandleEndMs)
            {
                _lastCandleEndMs = end;
                _changed = true;
            }
        }
    }

    /// <summary>Notifies subscribers when anything changed since the last notification and the throttle interval has passed.</summary>
    public void PublishIfChanged()
    {
        bool due;
        lock (_gate)
        {
            due = _changed && _timeProvider.GetUtcNow() - _lastPublishedAt >= PublishInterval;
        }

        if (due)
        {
            PublishNow();
        }
    }

    private void PublishNow()
    {
        var snapshot = Current;
        lock (_gate)
        {
            _lastPublishedAt = _timeProvider.GetUtcNow();
        }

        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            try
            {
                handler(snapshot);
            }
#pragma warning disable CA1031 // A faulty subscriber must not break the feed or the other subscribers.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogWarning(ex, "Market data status subscriber failed");
            }
        }
    }

    private MarketDataStatus Build()
    {
        var sources = _sources.Select(s => new SourceStatus(s.Name, s.State, s.Detail, s.LastMessageAt, s.Polling)).ToList();
        var activeState = _sources.Find(s => s.Name == _activeSource)?.State ?? SourceConnectionState.Idle;
        var symbols = _symbols.Select(symbol =>
        {
            var state = _symbolStates[symbol];
            double? change = null;
            if (state.LastPrice is { } last && state.LastPriceTimeMs is { } at && PriceAt(symbol, at - DayMs) is { } before && before > 0)
            {
                change = (last - before) / before;
            }

            return new SymbolSummary(symbol, state.LastPrice, change, _activeSource, activeState, state.LastUpdateAt);
        }).ToList();
        DateTimeOffset? lastCandle = _lastCandleEndMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        return new MarketDataStatus(_activeSource, sources, symbols, lastCandle);
    }

    /// <summary>Price at <paramref name="timeMs"/> from the cached 1m candles, else the 1h candles.</summary>
    private double? PriceAt(string symbol, long timeMs)
    {
        var minute = FindAtOrBefore(_cache.GetBars(symbol, Timeframe.OneMinute, int.MaxValue), timeMs);
        if (minute is not null)
        {
            if (minute.OpenTimeMs == Timeframe.OneMinute.BucketStart(timeMs))
            {
                return minute.Open;
            }

            if (minute.CloseTimeMs >= timeMs - NearbyMs)
            {
                return minute.Close;
            }
        }

        var hour = FindAtOrBefore(_cache.GetBars(symbol, Timeframe.OneHour, int.MaxValue), timeMs);
        return hour is not null && hour.OpenTimeMs == Timeframe.OneHour.BucketStart(timeMs) ? hour.Open : null;
    }

    private static OHLCVBar? FindAtOrBefore(IReadOnlyList<OHLCVBar> bars, long timeMs)
    {
        int lo = 0, hi = bars.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = lo + ((hi - lo) >> 1);
            if (bars[mid].OpenTimeMs <= timeMs)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found >= 0 ? bars[found] : null;
    }

    private void Unsubscribe(Action<MarketDataStatus> handler)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, handler);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private sealed class Subscription(MarketDataStatusProvider owner, Action<MarketDataStatus> handler) : IDisposable
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

    private sealed class SourceState(string name, bool polling)
    {
        public string Name { get; } = name;

        public bool Polling { get; } = polling;

        public SourceConnectionState State { get; set; } = SourceConnectionState.Idle;

        public string? Detail { get; set; }

        public DateTimeOffset? LastMessageAt { get; set; }
    }

    private sealed class SymbolState
    {
        public double? LastPrice { get; set; }

        public long? LastPriceTimeMs { get; set; }

        public DateTimeOffset? LastUpdateAt { get; set; }
    }
}
