using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// The design's DataProvider: runs the source fallback chain, turns what the active source sends into candles
/// (one <see cref="CandleAggregator"/> per symbol), publishes forming and closed candles to the cache and closed ones
/// to the store queue, and fills gaps over REST after a start, a reconnect or a source switch.
/// </summary>
/// <remarks>
/// <para>Candles: a source that streams trades has every configured timeframe built locally from its trades (its klines
/// are ignored). A source that streams only klines has its forming klines shown as they come and its closed klines of
/// the smallest streamed timeframe rolled up (<see cref="CandleAggregator.AddClosedKline"/>) into the larger timeframes
/// it does not stream; timeframes below that (e.g. 1s from a 1m kline stream) are not produced.</para>
/// <para>Start of a feed (start, reconnect, switch): the gap is backfilled first, then each aggregator is seeded from
/// closed history, largest timeframe first (today's 1h candles into the 1d candle, this hour's 1m candles into the
/// 1h candle, ...), so the candles in progress are complete; trades older than the seeded history are skipped.</para>
/// <para>Forming candles reach the cache at most every <see cref="FormingPublishInterval"/> per symbol and timeframe (a
/// clock tick flushes the rest); closed candles at once. A clock tick every <see cref="ClockTickInterval"/> closes
/// candles whose period has passed in a quiet market (trade mode), <see cref="CloseGrace"/> after the period ends in
/// venue time (estimated as the last trade's venue time plus the local time elapsed since it arrived).</para>
/// <para>Fallback: sources run in <see cref="SourceFallbackChain"/> order. The active one is left when its stream
/// throws or nothing arrives for SilenceTimeoutSeconds; then the next one runs (alert raised) and every
/// ProbeIntervalSeconds the more preferred sources are probed (recent 1m history must come back non-empty); the first
/// that answers takes over again (alert raised). When every source has failed, the chain waits one probe interval and
/// starts again from the top.</para>
/// <para>End of data: a source whose stream returns normally (a replay at the end of its files) is
/// <see cref="SourceConnectionState.Ended"/>, announced by an Info alert. That is not an outage: it stays the active
/// source and nothing is fallen back to; only where it was itself a fallback are the preferred sources still probed.</para>
/// <para>Market time: backfill windows and seeding are counted from the source's market time
/// (<see cref="IMarketDataSource.GetMarketTimeMs"/>: a replay's simulated clock), else from the <see cref="TimeProvider"/>.
/// Throttles, silence and probe intervals always run on the <see cref="TimeProvider"/>.</para>
/// </remarks>
public sealed class DataProvider : IMarketDataSink
{
    public const string AlertCategory = "market-data";

    /// <summary>Minimum time between two forming updates of one symbol and timeframe sent to the cache.</summary>
    public static readonly TimeSpan FormingPublishInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Period of the clock tick (quiet-market closes, throttled forming flush, status publish).</summary>
    public static readonly TimeSpan ClockTickInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long after its period a candle waits for a late trade before the clock closes it.</summary>
    public static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(1);

    /// <summary>How often the fallback supervisor checks silence and probe times.</summary>
    public static readonly TimeSpan SuperviseInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for a probe's history request and for a cancelled stream to end.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    private readonly TradingOptions _options;
    private readonly ICandleStore _store;
    private readonly CandleCache _cache;
    private readonly CandleStoreQueue _queue;
    private readonly MarketDataStatusProvider _status;
    private readonly IAlertService _alerts;
    private readonly MarketDataMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<DataProvider> _logger;
    private readonly GapBackfiller _backfiller;
    private readonly IReadOnlyList<Timeframe> _timeframes;
    private readonly MarketDataSubscription _subscription;

    // Guards the feeds, the aggregators and everything published from them. Async because publishing waits on the store queue.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, SymbolFeed> _feeds = new(StringComparer.Ordinal);
    private readonly List<OHLCVBar> _closedScratch = [];

    private volatile IMarketDataSource? _active;
    private long _lastMessageMs;
    private long _sessionMessages;
    private SourceConnectionState _activeState;
    private bool _wasDisconnected;
    private long? _refetchFromMs;
    private bool _cacheWarmed;
    private int _running;
    private Action<int>? _onMessages;

    public DataProvider(
        IOptions<TradingOptions> options,
        IEnumerable<IMarketDataSource> sources,
        ICandleStore store,
        CandleCache cache,
        CandleStoreQueue queue,
        MarketDataStatusProvider status,
        IAlertService alerts,
        MarketDataMetrics metrics,
        TimeProvider timeProvider,
        ILogger<DataProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _store = store;
        _cache = cache;
        _queue = queue;
        _status = status;
        _alerts = alerts;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _timeframes = _options.ParsedTimeframes();
        _subscription = new MarketDataSubscription([.. _options.Symbols], _timeframes);
        Chain = new SourceFallbackChain(_options.MarketData, sources, logger);
        _backfiller = new GapBackfiller(_options.Symbols, _timeframes, _options.MarketData.BackfillCandles, store, cache, queue, status, timeProvider, logger);
        _status.SetSources(Chain.Sources.Select(s => (s.Name, s.Capabilities.Polling)));
    }

    /// <summary>The usable sources, most preferred first.</summary>
    public SourceFallbackChain Chain { get; }

    /// <summary>Name of the source whose messages are taken now, or null (stopped, preparing or between sources).</summary>
    public string? ActiveSource => _active?.Name;

    /// <summary>True while <see cref="RunAsync(Action{int}?, CancellationToken)"/> runs.</summary>
    public bool IsRunning => Volatile.Read(ref _running) == 1;

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(null, cancellationToken);

    /// <summary>
    /// Runs the fallback chain until cancelled: warms the cache from the store (first run), then backfills, seeds and
    /// streams the active source. <paramref name="onMessages"/> is called with the count of every accepted message.
    /// Stopping discards the forming candles; the next run backfills them from history.
    /// </summary>
    public async Task RunAsync(Action<int>? onMessages, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("The data provider is already running.");
        }

        _onMessages = onMessages;
        try
        {
            await WarmCacheAsync(cancellationToken);
            using var tickCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var tick = Task.Run(() => TickLoopAsync(tickCts.Token), CancellationToken.None);
            try
            {
                await ChainLoopAsync(cancellationToken);
            }
            finally
            {
                await tickCts.CancelAsync();
                await IgnoreCancellation(tick);
            }
        }
        finally
        {
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                _active = null;
                _feeds.Clear();
                _cache.ClearForming();
                _status.SetActiveSource(null);
            }
            finally
            {
                _gate.Release();
                _onMessages = null;
                Volatile.Write(ref _running, 0);
            }
        }
    }

    /// <summary>Loads the newest stored candles of every symbol and timeframe into the cache (once).</summary>
    public async Task WarmCacheAsync(CancellationToken cancellationToken)
    {
        if (_cacheWarmed)
        {
            return;
        }

        foreach (var symbol in _options.Symbols)
        {
            foreach (var timeframe in _timeframes)
            {
                var bars = await _store.GetLatestAsync(symbol, timeframe, _cache.Capacity, cancellationToken);
                _cache.Load(bars);
                if (bars.Count > 0)
                {
                    _status.RecordClosedCandle(bars[^1]);
                }
            }

            // Show the last known price until live data arrives.
            var latest = _timeframes.Select(tf => _cache.LatestClosed(symbol, tf)).OfType<OHLCVBar>().MaxBy(b => b.CloseTimeMs);
            if (latest is not null)
            {
                _status.RecordPrice(symbol, latest.Close, latest.CloseTimeMs);
            }
        }

        _cacheWarmed = true;
        _logger.LogInformation("Candle cache warmed from the store");
    }

    public async ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        if (!IsActive(tick.Source))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!IsActive(tick.Source))
            {
                return;
            }

            MarkMessage(tick.Source);
            if (!_feeds.TryGetValue(tick.Symbol, out var feed))
            {
                Reject(tick.Source, RejectReasons.UnknownSymbol, tick.Symbol);
                return;
            }

            if (!feed.TradeMode || tick.ExchangeTimeMs < feed.SeededUntilMs)
            {
                // Kline-mode feed, or a trade already counted in the seeded history.
                return;
            }

            var closed = _closedScratch;
            closed.Clear();
            if (!feed.Aggregator!.AddTrade(tick, closed))
            {
                Reject(tick.Source, RejectReasons.OutOfOrderTrade, tick.Symbol);
                return;
            }

            var nowMs = NowMs();
            feed.SetMarketTime(tick.ExchangeTimeMs, nowMs);
            _status.RecordPrice(tick.Symbol, tick.Price, tick.ExchangeTimeMs);
            await PublishClosedAsync(feed, closed, nowMs, cancellationToken);
            foreach (var timeframe in feed.Aggregator.Timeframes)
            {
                PublishForming(feed, timeframe, nowMs, force: false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (!IsActive(bar.Source))
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!IsActive(bar.Source))
            {
                return;
            }

            MarkMessage(bar.Source);
            if (!_feeds.TryGetValue(bar.Symbol, out var feed))
            {
                Reject(bar.Source, RejectReasons.UnknownSymbol, bar.Symbol);
                return;
            }

            if (feed.TradeMode || feed.Aggregator is null || !feed.NativeTimeframes.Contains(bar.Timeframe))
            {
                // Trade-mode feeds build every candle from trades; other timeframes were not asked for.
                return;
            }

            var nowMs = NowMs();
            feed.SetMarketTime(bar.ExchangeTimeMs > 0 ? bar.ExchangeTimeMs : bar.CloseTimeMs, nowMs);
            _status.RecordPrice(bar.Symbol, bar.Close, bar.ExchangeTimeMs > 0 ? bar.ExchangeTimeMs : bar.CloseTimeMs);
            var stamped = bar.Source == feed.Aggregator.Source ? bar : bar with { Source = feed.Aggregator.Source };
            if (!stamped.IsClosed)
            {
                if (feed.AcceptFormingKline(stamped))
                {
                    PublishForming(feed, stamped.Timeframe, nowMs, force: false);
                    if (stamped.Timeframe == feed.BaseTimeframe)
                    {
                        foreach (var timeframe in feed.RollupTimeframes)
                        {
                            PublishForming(feed, timeframe, nowMs, force: false);
                        }
                    }
                }

                return;
            }

            var closed = _closedScratch;
            closed.Clear();
            feed.AcceptClosedKline(stamped, closed);
            await PublishClosedAsync(feed, closed, nowMs, cancellationToken);
            foreach (var timeframe in feed.RollupTimeframes)
            {
                PublishForming(feed, timeframe, nowMs, force: true);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken)
    {
        var active = _active;
        if (active is null || !IsActive(source))
        {
            return;
        }

        if (!connected)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                _wasDisconnected = true;
                var nowMs = NowMs();
                _refetchFromMs = Math.Min(_refetchFromMs ?? nowMs, nowMs);
                SetActiveState(active.Name, SourceConnectionState.Disconnected, detail);
            }
            finally
            {
                _gate.Release();
            }

            _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Market data source {active.Name} disconnected: {detail}");
            return;
        }

        bool reconnected;
        var fetched = 0;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            reconnected = _wasDisconnected;
            _wasDisconnected = false;
            SetActiveState(active.Name, SourceConnectionState.Connected, detail);
            if (reconnected)
            {
                fetched = await StartFeedAsync(active, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }

        if (reconnected)
        {
            _alerts.Raise(AlertSeverity.Info, AlertCategory, $"Market data source {active.Name} reconnected; {fetched} candles backfilled over the gap.");
        }
    }

    private bool IsActive(string source) => _active is { } active && string.Equals(active.Name, source, StringComparison.OrdinalIgnoreCase);

    private long NowMs() => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private void MarkMessage(string source)
    {
        Volatile.Write(ref _lastMessageMs, NowMs());
        _sessionMessages++;
        _status.RecordMessage(_active?.Name ?? source);
        _onMessages?.Invoke(1);
        if (_activeState is SourceConnectionState.Connecting)
        {
            SetActiveState(_active?.Name ?? source, SourceConnectionState.Connected, null);
        }
    }

    private void SetActiveState(string source, SourceConnectionState state, string? detail)
    {
        _activeState = state;
        _status.SetSourceState(source, state, detail);
    }

    private void Reject(string source, string reason, string symbol)
    {
        _metrics.RecordRejected(source, reason);
        _logger.LogDebug("Rejected market data from {Source} for {Symbol}: {Reason}", source, symbol, reason);
    }

    // ---- fallback chain -------------------------------------------------------------------------------------------

    private async Task ChainLoopAsync(CancellationToken cancellationToken)
    {
        if (Chain.Count == 0)
        {
            _alerts.Raise(AlertSeverity.Error, AlertCategory, $"No market data source is available (configured: {_options.MarketData.Sources}).");
            await Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, cancellationToken);
            return;
        }

        var probeInterval = TimeSpan.FromSeconds(_options.MarketData.ProbeIntervalSeconds);
        var index = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = Chain[index];
            var outcome = await RunSourceAsync(index, cancellationToken);
            switch (outcome.Kind)
            {
                case OutcomeKind.Failed:
                    _status.SetSourceState(source.Name, SourceConnectionState.Failed, outcome.Detail);
                    _logger.LogWarning("Market data source {Source} failed: {Reason}", source.Name, outcome.Detail);
                    if (index + 1 < Chain.Count)
                    {
                        _alerts.Raise(AlertSeverity.Warning, AlertCategory,
                            $"Market data source {source.Name} failed ({outcome.Detail}); switched to {Chain[index + 1].Name}.");
                        index++;
                    }
                    else
                    {
                        _alerts.Raise(AlertSeverity.Error, AlertCategory,
                            $"Every market data source failed (last: {source.Name}, {outcome.Detail}); retrying in {probeInterval.TotalSeconds:0} s.");
                        _status.SetActiveSource(null);
                        await Task.Delay(probeInterval, _timeProvider, cancellationToken);
                        index = 0;
                    }

                    break;

                case OutcomeKind.SwitchBack:
                    _status.SetSourceState(source.Name, SourceConnectionState.Idle, "standby");
                    _alerts.Raise(AlertSeverity.Info, AlertCategory,
                        $"Market data source {Chain[outcome.Target].Name} is reachable again; switched back from {source.Name}.");
                    index = outcome.Target;
                    break;

                case OutcomeKind.Ended:
                {
                    // A finished replay is not an outage: it stays the active source (shown as finished), nothing is
                    // fallen back to. Only where it was itself a fallback are the preferred sources still probed.
                    var detail = EndedDetail(source, outcome.Messages);
                    _status.SetSourceState(source.Name, SourceConnectionState.Ended, detail);
                    _logger.LogInformation("Market data source {Source} has nothing more to send after {Messages} messages", source.Name, outcome.Messages);
                    _alerts.Raise(AlertSeverity.Info, AlertCategory, $"Market data source {source.Name}: {detail}.");
                    var target = await WaitForPreferredAsync(index, probeInterval, cancellationToken);
                    _alerts.Raise(AlertSeverity.Info, AlertCategory, $"Market data source {Chain[target].Name} is reachable again; switched to it from the finished {source.Name}.");
                    _status.SetSourceState(source.Name, SourceConnectionState.Idle, "standby");
                    index = target;
                    break;
                }
            }
        }
    }

    private async Task<Outcome> RunSourceAsync(int index, CancellationToken cancellationToken)
    {
        var source = Chain[index];
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _status.SetActiveSource(source.Name);
            SetActiveState(source.Name, SourceConnectionState.Connecting, null);
            _wasDisconnected = false;
            _sessionMessages = 0;
            await StartFeedAsync(source, cancellationToken);
            _active = source;
            Volatile.Write(ref _lastMessageMs, NowMs());
        }
        finally
        {
            _gate.Release();
        }

        _logger.LogInformation("Market data source {Source} is active", source.Name);
        var silence = TimeSpan.FromSeconds(_options.MarketData.SilenceTimeoutSeconds);
        var probeInterval = TimeSpan.FromSeconds(_options.MarketData.ProbeIntervalSeconds);
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var stream = Task.Run(() => source.StreamAsync(_subscription, this, streamCts.Token), CancellationToken.None);
        var nextProbe = _timeProvider.GetUtcNow() + probeInterval;
        try
        {
            while (true)
            {
                var delay = Task.Delay(SuperviseInterval, _timeProvider, cancellationToken);
                var completed = await Task.WhenAny(stream, delay);
                cancellationToken.ThrowIfCancellationRequested();
                if (completed == stream)
                {
                    return stream.Status switch
                    {
                        TaskStatus.Faulted => Outcome.Failed(stream.Exception!.GetBaseException().Message),
                        TaskStatus.Canceled => Outcome.Failed("the stream was cancelled by the source"),
                        _ => Outcome.Ended(await SessionMessagesAsync()),
                    };
                }

                var now = _timeProvider.GetUtcNow();
                var quietFor = now - DateTimeOffset.FromUnixTimeMilliseconds(Volatile.Read(ref _lastMessageMs));
                if (quietFor >= silence)
                {
                    return Outcome.Failed($"no message for {silence.TotalSeconds:0} s");
                }

                if (index > 0 && now >= nextProbe)
                {
                    nextProbe = now + probeInterval;
                    for (var i = 0; i < index; i++)
                    {
                        if (await ProbeAsync(Chain[i], cancellationToken))
                        {
                            return Outcome.SwitchBackTo(i);
                        }
                    }
                }
            }
        }
        finally
        {
            // Stop taking its messages, then cancel it (which also frees a sink call waiting on a full store queue).
            _active = null;
            await streamCts.CancelAsync();
            await _gate.WaitAsync(CancellationToken.None);
            try
            {
                // Whatever runs next re-fetches from this source's last message: candles forming then may be incomplete.
                var last = Volatile.Read(ref _lastMessageMs);
                _refetchFromMs = Math.Min(_refetchFromMs ?? last, last);
                if (cancellationToken.IsCancellationRequested)
                {
                    SetActiveState(source.Name, SourceConnectionState.Idle, "stopped");
                }
            }
            finally
            {
                _gate.Release();
            }

            var ended = await Task.WhenAny(stream, Task.Delay(RequestTimeout, _timeProvider, CancellationToken.None));
            if (ended != stream)
            {
                _logger.LogWarning("Market data source {Source} did not stop within {Timeout}", source.Name, RequestTimeout);
            }
            else if (stream.IsFaulted)
            {
                _logger.LogDebug(stream.Exception, "Stream of {Source} ended with an error", source.Name);
            }
        }
    }

    /// <summary>Messages taken from the active source since it started (read under the gate: sink calls may still run).</summary>
    private async Task<long> SessionMessagesAsync()
    {
        await _gate.WaitAsync(CancellationToken.None);
        try
        {
            return _sessionMessages;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string EndedDetail(IMarketDataSource source, long messages) =>
        source.Name.Equals(SourceFallbackChain.ReplaySourceName, StringComparison.OrdinalIgnoreCase)
            ? $"replay finished, end of its files ({messages} messages)"
            : $"finished, nothing more to send ({messages} messages)";

    private async Task<int> WaitForPreferredAsync(int index, TimeSpan probeInterval, CancellationToken cancellationToken)
    {
        while (true)
        {
            await Task.Delay(index == 0 ? Timeout.InfiniteTimeSpan : probeInterval, _timeProvider, cancellationToken);
            for (var i = 0; i < index; i++)
            {
                if (await ProbeAsync(Chain[i], cancellationToken))
                {
                    return i;
                }
            }
        }
    }

    /// <summary>A probe: the source's recent 1m history (or its smallest served timeframe) comes back non-empty.</summary>
    private async Task<bool> ProbeAsync(IMarketDataSource source, CancellationToken cancellationToken)
    {
        var served = source.Capabilities.HistoricalTimeframes;
        if (served.Count == 0)
        {
            return false;
        }

        var timeframe = served.Contains(Timeframe.OneMinute) ? Timeframe.OneMinute : served.Min();
        var duration = timeframe.DurationMs();
        var to = timeframe.BucketStart(NowMs()) - duration;
        var from = to - (10 * duration);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var bars = await source.GetHistoricalBarsAsync(_options.PrimarySymbol, timeframe, from, to, timeout.Token);
            if (bars.Count > 0)
            {
                _logger.LogInformation("Probe of market data source {Source} succeeded", source.Name);
                return true;
            }

            _status.SetSourceState(source.Name, SourceConnectionState.Failed, "probe returned no candles");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            _status.SetSourceState(source.Name, SourceConnectionState.Failed, $"probe failed: {ex.Message}");
            _logger.LogDebug(ex, "Probe of market data source {Source} failed", source.Name);
        }

        return false;
    }

    // ---- feeds: backfill, seeding, publishing ---------------------------------------------------------------------

    /// <summary>Backfills the gap from <paramref name="source"/> and builds freshly seeded feeds. Call with the gate held.</summary>
    private async Task<int> StartFeedAsync(IMarketDataSource source, CancellationToken cancellationToken)
    {
        var refetch = _refetchFromMs;

        // A replay runs on its own clock: its gap is counted back from the replayed time, not from today.
        var marketNowMs = source.GetMarketTimeMs(_subscription) ?? NowMs();
        var fetched = await _backfiller.BackfillAsync(source, refetch, marketNowMs, cancellationToken);
        _refetchFromMs = null;
        var nowMs = NowMs();
        _feeds.Clear();
        _cache.ClearForming();
        foreach (var symbol in _options.Symbols)
        {
            var feed = SymbolFeed.Create(source, symbol, _timeframes, _logger);
            Seed(feed, marketNowMs, nowMs);
            _feeds[symbol] = feed;
            if (feed.Aggregator is not null)
            {
                foreach (var timeframe in feed.Aggregator.Timeframes)
                {
                    PublishForming(feed, timeframe, nowMs, force: true);
                }
            }
        }

        // The silence window starts after the (possibly slow) backfill.
        Volatile.Write(ref _lastMessageMs, NowMs());
        return fetched;
    }

    /// <summary>
    /// Rebuilds the candles in progress from closed history in the cache: for each configured timeframe from the
    /// second largest down, its closed candles within the current period (at market time <paramref name="nowMs"/>) of
    /// the next larger timeframe.
    /// </summary>
    private void Seed(SymbolFeed feed, long nowMs, long localNowMs)
    {
        feed.SetMarketTime(nowMs, localNowMs);
        if (feed.Aggregator is null)
        {
            return;
        }

        var ladder = _timeframes.Where(tf => tf >= feed.BaseTimeframe).ToArray();
        var discard = new List<OHLCVBar>();
        var seededUntil = long.MinValue;
        for (var j = ladder.Length - 2; j >= 0; j--)
        {
            var timeframe = ladder[j];
            var duration = timeframe.DurationMs();
            var from = ladder[j + 1].BucketStart(nowMs);
            var to = timeframe.BucketStart(nowMs);
            var needed = (int)Math.Min(int.MaxValue, ((to - from) / duration) + 1);
            foreach (var bar in _cache.GetBars(feed.Symbol, timeframe, needed + 1))
            {
                if (bar.IsClosed && bar.OpenTimeMs >= from && bar.OpenTimeMs < to)
                {
                    discard.Clear();
                    if (feed.AddToRollups(bar, discard))
                    {
                        seededUntil = Math.Max(seededUntil, bar.OpenTimeMs + duration);
                    }
                }
            }
        }

        feed.SeededUntilMs = seededUntil;
    }

    private async Task PublishClosedAsync(SymbolFeed feed, List<OHLCVBar> closed, long nowMs, CancellationToken cancellationToken)
    {
        if (closed.Count == 0)
        {
            return;
        }

        // Copy first: the scratch list is reused by the next message once the gate is released.
        var bars = closed.ToArray();
        foreach (var bar in bars)
        {
            _cache.Update(bar);
            _status.RecordClosedCandle(bar);
        }

        foreach (var bar in bars)
        {
            await _queue.WriteAsync(bar, cancellationToken);
        }

        // The next period's candle is news too: show it without waiting for the throttle.
        foreach (var bar in bars)
        {
            PublishForming(feed, bar.Timeframe, nowMs, force: true);
        }
    }

    /// <summary>Sends the forming candle of <paramref name="timeframe"/> to the cache unless one went out less than the throttle interval ago.</summary>
    private void PublishForming(SymbolFeed feed, Timeframe timeframe, long nowMs, bool force)
    {
        var throttle = feed.Throttle(timeframe);
        if (!force && throttle.LastPublishedMs is { } last && nowMs - last < (long)FormingPublishInterval.TotalMilliseconds)
        {
            throttle.Pending = true;
            return;
        }

        throttle.Pending = false;
        if (feed.FormingBar(timeframe) is { } bar)
        {
            _cache.Update(bar);
            throttle.LastPublishedMs = nowMs;
        }
    }

    private async Task TickLoopAsync(CancellationToken cancellationToken)
    {
        var closeGraceMs = (long)CloseGrace.TotalMilliseconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(ClockTickInterval, _timeProvider, cancellationToken);
            await _gate.WaitAsync(cancellationToken);
            try
            {
                await TickAsync(closeGraceMs, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                // A bad tick must not stop the clock: the next one retries.
                _logger.LogError(ex, "Market data clock tick failed");
            }
            finally
            {
                _gate.Release();
            }

            _status.PublishIfChanged();
        }
    }

    /// <summary>Closes elapsed candles and flushes throttled forming updates. Call with the gate held.</summary>
    private async Task TickAsync(long closeGraceMs, CancellationToken cancellationToken)
    {
        var nowMs = NowMs();
        foreach (var feed in _feeds.Values)
        {
            if (feed.TradeMode && feed.Aggregator is not null)
            {
                var closed = _closedScratch;
                closed.Clear();
                feed.Aggregator.CloseElapsed(feed.MarketNow(nowMs) - closeGraceMs, closed);
                await PublishClosedAsync(feed, closed, nowMs, cancellationToken);
            }

            foreach (var (timeframe, throttle) in feed.Throttles)
            {
                if (throttle.Pending)
                {
                    PublishForming(feed, timeframe, nowMs, force: false);
                }
            }
        }
    }

    private static async Task IgnoreCancellation(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Expected on stop.
        }
    }

    private enum OutcomeKind
    {
        Failed,
        SwitchBack,
        Ended,
    }

    private readonly record struct Outcome(OutcomeKind Kind, string? Detail, int Target, long Messages = 0)
    {
        public static Outcome Ended(long messages) => new(OutcomeKind.Ended, null, -1, messages);

        public static Outcome Failed(string detail) => new(OutcomeKind.Failed, detail, -1);

        public static Outcome SwitchBackTo(int index) => new(OutcomeKind.SwitchBack, null, index);
    }

    private sealed class FormingThrottle
    {
        public long? LastPublishedMs { get; set; }

        public bool Pending { get; set; }
    }

    /// <summary>One symbol's candle building for the active source.</summary>
    private sealed class SymbolFeed
    {
        private readonly Dictionary<Timeframe, FormingThrottle> _throttles = [];
        private readonly Dictionary<Timeframe, OHLCVBar> _nativeForming = [];

        // Per roll-up timeframe, once its first kline is counted: the open of its partial first period, or null when complete.
        private readonly Dictionary<Timeframe, long?> _rollupStarted = [];
        private long _marketTimeMs;
        private long _marketTimeSeenAtMs;

        private SymbolFeed(string symbol, bool tradeMode, CandleAggregator? aggregator, Timeframe baseTimeframe, IReadOnlyCollection<Timeframe> native, Timeframe[] rollups)
        {
            Symbol = symbol;
            TradeMode = tradeMode;
            Aggregator = aggregator;
            BaseTimeframe = baseTimeframe;
            NativeTimeframes = native;
            RollupTimeframes = rollups;
        }

        public string Symbol { get; }

        /// <summary>True: candles are built from trades. False: from klines.</summary>
        public bool TradeMode { get; }

        /// <summary>Null when the source streams nothing this feed can use.</summary>
        public CandleAggregator? Aggregator { get; }

        /// <summary>Smallest timeframe built (trade mode) or streamed as klines (kline mode).</summary>
        public Timeframe BaseTimeframe { get; }

        /// <summary>Kline mode: configured timeframes the source streams as klines.</summary>
        public IReadOnlyCollection<Timeframe> NativeTimeframes { get; }

        /// <summary>Kline mode: larger timeframes rolled up from closed base klines.</summary>
        public Timeframe[] RollupTimeframes { get; }

        /// <summary>End of the seeded history: older trades and klines are already counted.</summary>
        public long SeededUntilMs { get; set; } = long.MinValue;

        public IEnumerable<KeyValuePair<Timeframe, FormingThrottle>> Throttles => _throttles;

        public static SymbolFeed Create(IMarketDataSource source, string symbol, IReadOnlyList<Timeframe> configured, ILogger logger)
        {
            var caps = source.Capabilities;
            if (caps.StreamsTrades)
            {
                return new SymbolFeed(symbol, true, new CandleAggregator(source.Name, symbol, configured), configured[0], [], []);
            }

            var native = configured.Where(caps.StreamedKlineTimeframes.Contains).ToArray();
            if (native.Length == 0)
            {
                logger.LogWarning("Market data source {Source} streams neither trades nor klines of {Timeframes}: no live candles for {Symbol}",
                    source.Name, string.Join(",", configured.Select(t => t.ToCode())), symbol);
                return new SymbolFeed(symbol, false, null, configured[0], [], []);
            }

            var baseTf = native.Min();
            var rollups = configured.Where(tf => tf > baseTf && !native.Contains(tf) && tf.DurationMs() % baseTf.DurationMs() == 0).ToArray();
            return new SymbolFeed(symbol, false, new CandleAggregator(source.Name, symbol, [baseTf, .. rollups]), baseTf, native, rollups);
        }

        public FormingThrottle Throttle(Timeframe timeframe)
        {
            if (!_throttles.TryGetValue(timeframe, out var throttle))
            {
                throttle = new FormingThrottle();
                _throttles[timeframe] = throttle;
            }

            return throttle;
        }

        public void SetMarketTime(long marketTimeMs, long localNowMs)
        {
            _marketTimeMs = marketTimeMs;
            _marketTimeSeenAtMs = localNowMs;
        }

        /// <summary>Venue time now, estimated from the last message's venue time and the local time since it came.</summary>
        public long MarketNow(long localNowMs) => _marketTimeMs + Math.Max(0, localNowMs - _marketTimeSeenAtMs);

        /// <summary>Kline mode: keeps a forming kline unless a newer one is held. Returns whether it was taken.</summary>
        public bool AcceptFormingKline(OHLCVBar bar)
        {
            if (_nativeForming.TryGetValue(bar.Timeframe, out var held) && held.OpenTimeMs > bar.OpenTimeMs)
            {
                return false;
            }

            if (bar.Timeframe == BaseTimeframe && bar.OpenTimeMs < SeededUntilMs)
            {
                return false;
            }

            _nativeForming[bar.Timeframe] = bar;
            return true;
        }

        /// <summary>Kline mode: a closed kline; appends the candles it closes (itself included).</summary>
        public void AcceptClosedKline(OHLCVBar bar, List<OHLCVBar> closed)
        {
            if (_nativeForming.TryGetValue(bar.Timeframe, out var held) && held.OpenTimeMs <= bar.OpenTimeMs)
            {
                _nativeForming.Remove(bar.Timeframe);
            }

            if (bar.Timeframe != BaseTimeframe || bar.OpenTimeMs < SeededUntilMs)
            {
                // A streamed larger timeframe is final as sent; a base kline inside the seeded history is already rolled up.
                closed.Add(bar);
                return;
            }

            if (!AddToRollups(bar, closed))
            {
                // Older than the roll-up's current period (a repeat): store it as sent, do not count it twice.
                closed.Add(bar);
                return;
            }

            // Each base period is rolled up once.
            SeededUntilMs = bar.OpenTimeMs + bar.Timeframe.DurationMs();
        }

        /// <summary>
        /// Kline mode: counts a closed kline into the roll-ups (seeded history or streamed). The first period of each
        /// roll-up timeframe is partial when the feed's first kline for it is not at the period's start (a replay that
        /// begins at 10:37 has no 10:00-10:36): that candle is dropped, closed or forming, as the history roll-up drops it.
        /// </summary>
        public bool AddToRollups(OHLCVBar bar, List<OHLCVBar> closed)
        {
            var first = closed.Count;
            if (!Aggregator!.AddClosedKline(bar, closed))
            {
                return false;
            }

            foreach (var timeframe in Aggregator.Timeframes)
            {
                if (timeframe > bar.Timeframe && !_rollupStarted.ContainsKey(timeframe))
                {
                    var bucket = timeframe.BucketStart(bar.OpenTimeMs);
                    _rollupStarted[timeframe] = bucket == bar.OpenTimeMs ? null : bucket;
                }
            }

            for (var i = closed.Count - 1; i >= first; i--)
            {
                if (IsPartialStart(closed[i].Timeframe, closed[i].OpenTimeMs))
                {
                    closed.RemoveAt(i);
                }
            }

            return true;
        }

        private bool IsPartialStart(Timeframe timeframe, long openTimeMs) =>
            _rollupStarted.TryGetValue(timeframe, out var partial) && partial == openTimeMs;

        /// <summary>The forming candle of <paramref name="timeframe"/> as it should be shown now, or null.</summary>
        public OHLCVBar? FormingBar(Timeframe timeframe)
        {
            if (Aggregator is null)
            {
                return null;
            }

            if (TradeMode)
            {
                return Aggregator.Forming(timeframe);
            }

            if (_nativeForming.TryGetValue(timeframe, out var native))
            {
                return native;
            }

            if (!RollupTimeframes.Contains(timeframe))
            {
                return null;
            }

            // Roll-up in progress: the closed base klines so far plus the forming base kline.
            var partial = Aggregator.Forming(timeframe);
            if (partial is not null && IsPartialStart(timeframe, partial.OpenTimeMs))
            {
                return null;
            }

            if (!_nativeForming.TryGetValue(BaseTimeframe, out var kline))
            {
                return partial;
            }

            var bucket = timeframe.BucketStart(kline.OpenTimeMs);
            if (partial is not null && partial.OpenTimeMs > bucket)
            {
                return partial;
            }

            if (partial is null && !_rollupStarted.ContainsKey(timeframe) && kline.OpenTimeMs != bucket)
            {
                // Nothing counted yet and the period began before the feed: partial, not shown.
                return null;
            }

            if (partial is null || partial.OpenTimeMs < bucket)
            {
                return new OHLCVBar(kline.Source, Symbol, timeframe, bucket, kline.Open, kline.High, kline.Low, kline.Close, kline.Volume, IsClosed: false)
                {
                    QuoteVolume = kline.QuoteVolume,
                    TradeCount = kline.TradeCount,
                    ExchangeTimeMs = kline.ExchangeTimeMs,
                    ReceivedTimeMs = kline.ReceivedTimeMs,
                };
            }

            return partial with
            {
                High = Math.Max(partial.High, kline.High),
                Low = Math.Min(partial.Low, kline.Low),
                Close = kline.Close,
                Volume = partial.Volume + kline.Volume,
                QuoteVolume = partial.QuoteVolume + kline.QuoteVolume,
                TradeCount = partial.TradeCount + kline.TradeCount,
                ExchangeTimeMs = kline.ExchangeTimeMs,
                ReceivedTimeMs = kline.ReceivedTimeMs,
            };
        }
    }
}
