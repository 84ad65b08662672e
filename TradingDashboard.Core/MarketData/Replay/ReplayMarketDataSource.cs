using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>
/// Market data from Binance-format files under <c>Trading:MarketData:ReplayDirectory</c> (see <see cref="ReplayFileCatalog"/>).
/// The stream replays, per subscribed symbol, its trades when it has trade files, else its smallest-interval klines
/// (as closed candles), all symbols merged in time order and paced by <c>ReplaySpeed</c> on the injected
/// <see cref="TimeProvider"/>; it returns normally at the end of the data. History serves closed klines of the asked
/// timeframe from its files, else rolled up from a smaller interval's klines, else built from trades; never a
/// smaller timeframe from a larger one (no 1s bars from 1m). Bad rows are skipped, logged and counted as
/// <see cref="RejectReasons.MalformedRow"/>.
/// Its market time (<see cref="GetMarketTimeMs"/>) is the replay's own clock: the last event sent, or just before the
/// first one when it has not started, so gap backfill counts back from the replayed time, not from today.
/// </summary>
public sealed partial class ReplayMarketDataSource : IMarketDataSource
{
    public const string SourceName = "Replay";

    /// <summary>Waits shorter than this are skipped (the next due time is absolute, so the schedule catches up, never drifts).</summary>
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>Rejected rows logged one by one per file; past that only counted (a broken file must not flood the log).</summary>
    private const int RejectionsLoggedPerFile = 10;

    private readonly TradingOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly MarketDataMetrics _metrics;
    private readonly ILogger<ReplayMarketDataSource> _logger;
    private readonly Lazy<ReplayFileCatalog> _catalog;
    private readonly Lazy<MarketDataCapabilities> _capabilities;

    // The replay clock: time of the event being or last sent while a stream runs (long.MinValue before the first one).
    private long _lastSentMs = long.MinValue;
    private int _streaming;

    public ReplayMarketDataSource(IOptions<TradingOptions> options, TimeProvider timeProvider, MarketDataMetrics metrics, ILogger<ReplayMarketDataSource> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _catalog = new Lazy<ReplayFileCatalog>(ScanCatalog, LazyThreadSafetyMode.ExecutionAndPublication);
        _capabilities = new Lazy<MarketDataCapabilities>(DescribeCapabilities, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Name => SourceName;

    /// <summary>What the files allow for the configured symbols (scans the directory on first use).</summary>
    public MarketDataCapabilities Capabilities => _capabilities.Value;

    /// <summary>The files found under the replay directory (scanned once, on first use; empty when not configured or missing).</summary>
    public ReplayFileCatalog Catalog => _catalog.Value;

    public async Task StreamAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(sink);

        // Hand the task back before the (synchronous) file reading starts.
        await Task.Yield();
        var catalog = Catalog;
        if (catalog.Directory is null)
        {
            throw new InvalidOperationException(
                $"Replay has no data: Trading:MarketData:ReplayDirectory '{_options.MarketData.ReplayDirectory}' is not set or does not exist.");
        }

        var rejections = new RejectionLog(this);
        var streams = new List<IEnumerable<ReplayEvent>>();
        var plan = new List<string>();
        foreach (var symbol in subscription.Symbols.Select(s => s.ToUpperInvariant()).Distinct(StringComparer.Ordinal))
        {
            if (catalog.HasTrades(symbol))
            {
                streams.Add(TradeEvents(catalog, symbol, rejections));
                plan.Add($"{symbol} trades");
            }
            else if (catalog.KlineTimeframes(symbol) is [var smallest, ..])
            {
                streams.Add(KlineEvents(catalog, symbol, smallest, rejections));
                plan.Add($"{symbol} {smallest.ToCode()} klines");
            }
            else
            {
                LogNoData(symbol, catalog.Directory);
            }
        }

        if (streams.Count == 0)
        {
            throw new InvalidOperationException(
                $"Replay has no files for {string.Join(", ", subscription.Symbols)} under '{catalog.Directory}'.");
        }

        var detail = $"replaying {string.Join(", ", plan)} from {catalog.Directory}";
        Volatile.Write(ref _lastSentMs, long.MinValue);
        Volatile.Write(ref _streaming, 1);
        try
        {
            await sink.OnConnectionChangedAsync(Name, true, detail, cancellationToken).ConfigureAwait(false);
            LogStarted(string.Join(", ", plan), catalog.Directory, _options.MarketData.ReplaySpeed);
            var (sent, rejected) = await SendAllAsync(streams, sink, rejections, cancellationToken).ConfigureAwait(false);

            // The end of the data is told by returning normally: it is not a lost connection (no disconnect is reported).
            LogFinished(sent, rejected);
        }
        finally
        {
            Volatile.Write(ref _streaming, 0);
        }
    }

    /// <inheritdoc />
    public long? GetMarketTimeMs(MarketDataSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (Volatile.Read(ref _streaming) == 1 && Volatile.Read(ref _lastSentMs) is var last && last != long.MinValue)
        {
            return last;
        }

        // Not started (or restarting): the instant before the first event, so nothing it will send counts as history.
        var catalog = Catalog;
        long? first = null;
        foreach (var symbol in subscription.Symbols.Select(s => s.ToUpperInvariant()).Distinct(StringComparer.Ordinal))
        {
            long? time = null;
            if (catalog.HasTrades(symbol))
            {
                foreach (var tick in catalog.ReadTrades(symbol, SourceName))
                {
                    time = tick.ExchangeTimeMs;
                    break;
                }
            }
            else if (catalog.KlineTimeframes(symbol) is [var smallest, ..])
            {
                foreach (var bar in catalog.ReadKlines(symbol, smallest, SourceName))
                {
                    time = bar.OpenTimeMs + smallest.DurationMs();
                    break;
                }
            }

            if (time is { } t && (first is null || t < first))
            {
                first = t;
            }
        }

        return first - 1;
    }

    private async Task<(long Sent, long Rejected)> SendAllAsync(List<IEnumerable<ReplayEvent>> streams, IMarketDataSink sink, RejectionLog rejections, CancellationToken cancellationToken)
    {

        var speed = _options.MarketData.ReplaySpeed;
        long firstEventMs = 0;
        var startedAt = DateTimeOffset.MinValue;
        long sent = 0;
        foreach (var (ev, _) in SortedMerge.Merge(streams, ReplayEventOrder.Instance))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (speed > 0)
            {
                if (sent == 0)
                {
                    firstEventMs = ev.TimeMs;
                    startedAt = _timeProvider.GetUtcNow();
                }
                else
                {
                    var due = startedAt + TimeSpan.FromMilliseconds((ev.TimeMs - firstEventMs) / speed);
                    var wait = due - _timeProvider.GetUtcNow();
                    if (wait >= MinDelay)
                    {
                        await Task.Delay(wait, _timeProvider, cancellationToken).ConfigureAwait(false);
                    }
                }
            }

            // The replay clock shows each event's time from the moment it is sent.
            Volatile.Write(ref _lastSentMs, ev.TimeMs);
            if (ev.Tick is { } tick)
            {
                await sink.OnTradeAsync(tick, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await sink.OnKlineAsync(ev.Bar!, cancellationToken).ConfigureAwait(false);
            }

            _metrics.RecordAccepted(Name);
            sent++;
        }

        return (sent, rejections.Total);
    }

    public Task<IReadOnlyList<OHLCVBar>> GetHistoricalBarsAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        if (toMs < fromMs)
        {
            return Task.FromResult<IReadOnlyList<OHLCVBar>>([]);
        }

        // File reading and decompression are synchronous: keep them off the caller's thread.
        return Task.Run(() => LoadHistory(symbol.ToUpperInvariant(), timeframe, fromMs, toMs, cancellationToken), cancellationToken);
    }

    private IReadOnlyList<OHLCVBar> LoadHistory(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var catalog = Catalog;
        var rejections = new RejectionLog(this);
        if (catalog.KlineFiles(symbol, timeframe).Count > 0)
        {
            var bars = new List<OHLCVBar>();
            foreach (var bar in catalog.ReadKlines(symbol, timeframe, SourceName, rejections.Report))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (bar.OpenTimeMs > toMs)
                {
                    break;
                }

                if (bar.OpenTimeMs >= fromMs)
                {
                    bars.Add(bar);
                }
            }

            return bars;
        }

        var smaller = catalog.KlineTimeframes(symbol)
            .Where(t => t.DurationMs() < timeframe.DurationMs() && timeframe.DurationMs() % t.DurationMs() == 0)
            .ToList();
        if (smaller.Count > 0)
        {
            return RollUp(catalog, symbol, smaller[^1], timeframe, fromMs, toMs, rejections, cancellationToken);
        }

        return catalog.HasTrades(symbol)
            ? BuildFromTrades(catalog, symbol, timeframe, fromMs, toMs, rejections, cancellationToken)
            : [];
    }

    /// <summary>
    /// Rolls closed klines of <paramref name="from"/> up to <paramref name="to"/>. A rolled candle is kept only when one
    /// file spans its whole period (from at or before its open to its last sub-period), so the partial first and last
    /// periods of a file window are dropped while real holes inside a file (exchange downtime) stay as Binance has them.
    /// </summary>
    private List<OHLCVBar> RollUp(ReplayFileCatalog catalog, string symbol, Timeframe from, Timeframe to, long fromMs, long toMs, RejectionLog rejections, CancellationToken cancellationToken)
    {
        var fileCount = catalog.KlineFiles(symbol, from).Count;
        var firstOpen = new long[fileCount];
        var lastOpen = new long[fileCount];
        Array.Fill(firstOpen, long.MaxValue);
        Array.Fill(lastOpen, long.MinValue);
        var subDuration = from.DurationMs();
        var duration = to.DurationMs();
        var firstBucket = to.BucketStart(fromMs);
        var lastBucketEnd = to.BucketStart(toMs) + duration;

        var aggregator = new CandleAggregator(SourceName, symbol, [to]);
        var closed = new List<OHLCVBar>();
        var result = new List<OHLCVBar>();
        foreach (var bar in catalog.ReadKlines(symbol, from, SourceName, rejections.Report, (file, b) =>
                 {
                     firstOpen[file] = Math.Min(firstOpen[file], b.OpenTimeMs);
                     lastOpen[file] = Math.Max(lastOpen[file], b.OpenTimeMs);
                 }))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (bar.OpenTimeMs < firstBucket)
            {
                continue;
            }

            closed.Clear();
            aggregator.AddClosedKline(bar, closed);
            foreach (var candle in closed)
            {
                if (candle.OpenTimeMs >= fromMs && candle.OpenTimeMs <= toMs && Spanned(candle.OpenTimeMs))
                {
                    result.Add(candle);
                }
            }

            if (bar.OpenTimeMs + subDuration >= lastBucketEnd)
            {
                break;
            }
        }

        return result;

        bool Spanned(long open)
        {
            for (var f = 0; f < fileCount; f++)
            {
                if (firstOpen[f] <= open && lastOpen[f] >= open + duration - subDuration)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Builds candles from trades. A candle is kept only when the trade ids show nothing is missing around it: the trade
    /// before its first one and the trade after its last one are both present and consecutive (ids are gap-free per
    /// symbol on Binance). So the partial candles at the start and end of the recorded span are dropped.
    /// </summary>
    private List<OHLCVBar> BuildFromTrades(ReplayFileCatalog catalog, string symbol, Timeframe timeframe, long fromMs, long toMs, RejectionLog rejections, CancellationToken cancellationToken)
    {
        var firstBucket = timeframe.BucketStart(fromMs);
        var lastBucketEnd = timeframe.BucketStart(toMs) + timeframe.DurationMs();
        var aggregator = new CandleAggregator(SourceName, symbol, [timeframe]);
        var closed = new List<OHLCVBar>();
        var result = new List<OHLCVBar>();
        long? lastId = null;
        var startContiguous = false;
        foreach (var tick in catalog.ReadTrades(symbol, SourceName, rejections.Report))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var contiguous = lastId is { } previous && tick.TradeId == previous + 1;
            lastId = tick.TradeId;
            if (tick.ExchangeTimeMs < firstBucket)
            {
                continue;
            }

            var before = aggregator.FormingOpenTime(timeframe);
            closed.Clear();
            aggregator.AddTrade(tick, closed);
            foreach (var candle in closed)
            {
                if (startContiguous && contiguous && candle.OpenTimeMs >= fromMs && candle.OpenTimeMs <= toMs)
                {
                    result.Add(candle);
                }
            }

            if (before is null || closed.Count > 0)
            {
                startContiguous = contiguous;
            }

            if (tick.ExchangeTimeMs >= lastBucketEnd)
            {
                break;
            }
        }

        return result;
    }

    private static IEnumerable<ReplayEvent> TradeEvents(ReplayFileCatalog catalog, string symbol, RejectionLog rejections)
    {
        foreach (var tick in catalog.ReadTrades(symbol, SourceName, rejections.Report))
        {
            // Replay's receive time is the simulated clock, which shows the trade's own time when it is sent.
            var stamped = tick.ReceivedTimeMs == tick.ExchangeTimeMs ? tick : tick with { ReceivedTimeMs = tick.ExchangeTimeMs };
            yield return new ReplayEvent(tick.ExchangeTimeMs, stamped, null);
        }
    }

    private static IEnumerable<ReplayEvent> KlineEvents(ReplayFileCatalog catalog, string symbol, Timeframe timeframe, RejectionLog rejections)
    {
        foreach (var bar in catalog.ReadKlines(symbol, timeframe, SourceName, rejections.Report))
        {
            // A closed kline exists from the end of its period on.
            yield return new ReplayEvent(bar.OpenTimeMs + timeframe.DurationMs(), null, bar);
        }
    }

    private ReplayFileCatalog ScanCatalog()
    {
        var directory = _options.MarketData.ReplayDirectory;
        if (string.IsNullOrWhiteSpace(directory))
        {
            LogNotConfigured();
            return ReplayFileCatalog.Empty;
        }

        if (!Directory.Exists(directory))
        {
            LogMissingDirectory(directory);
            return ReplayFileCatalog.Empty;
        }

        return ReplayFileCatalog.Scan(directory, _logger);
    }

    private MarketDataCapabilities DescribeCapabilities()
    {
        var catalog = Catalog;
        var streamsTrades = false;
        var streamed = new SortedSet<Timeframe>();
        var historical = new SortedSet<Timeframe>();
        foreach (var symbol in _options.Symbols.Select(s => s.ToUpperInvariant()))
        {
            var klineTimeframes = catalog.KlineTimeframes(symbol);
            if (catalog.HasTrades(symbol))
            {
                streamsTrades = true;
                historical.UnionWith(TimeframeExtensions.All);
            }
            else if (klineTimeframes.Count > 0)
            {
                streamed.Add(klineTimeframes[0]);
            }

            foreach (var tf in TimeframeExtensions.All)
            {
                if (klineTimeframes.Any(k => k.DurationMs() <= tf.DurationMs() && tf.DurationMs() % k.DurationMs() == 0))
                {
                    historical.Add(tf);
                }
            }
        }

        return new MarketDataCapabilities(streamsTrades, streamed.ToList(), historical.ToList());
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Information, Message = "Replay: no replay directory configured (Trading:MarketData:ReplayDirectory)")]
    private partial void LogNotConfigured();

    [LoggerMessage(EventId = 4111, Level = LogLevel.Warning, Message = "Replay: replay directory {Directory} does not exist")]
    private partial void LogMissingDirectory(string directory);

    [LoggerMessage(EventId = 4112, Level = LogLevel.Warning, Message = "Replay: no files for {Symbol} under {Directory}; it is not replayed")]
    private partial void LogNoData(string symbol, string directory);

    [LoggerMessage(EventId = 4113, Level = LogLevel.Information, Message = "Replay: streaming {Plan} from {Directory} at speed {Speed}")]
    private partial void LogStarted(string plan, string directory, double speed);

    [LoggerMessage(EventId = 4114, Level = LogLevel.Information, Message = "Replay: end of data after {Messages} messages ({Rejected} rows rejected)")]
    private partial void LogFinished(long messages, long rejected);

    [LoggerMessage(EventId = 4115, Level = LogLevel.Warning, Message = "Replay: rejected {Path} line {Line}: {Reason}")]
    private partial void LogRejected(string path, int line, string reason);

    [LoggerMessage(EventId = 4116, Level = LogLevel.Warning, Message = "Replay: more than {Count} bad rows in {Path}; further ones are counted, not logged")]
    private partial void LogRejectionsSuppressed(int count, string path);

    /// <summary>Counts every rejected row in the metrics and logs the first few of each file.</summary>
    private sealed class RejectionLog(ReplayMarketDataSource owner)
    {
        private readonly Dictionary<string, int> _perFile = new(StringComparer.Ordinal);
        private long _total;

        public long Total => Interlocked.Read(ref _total);

        public void Report(ReplayFile file, int line, string reason)
        {
            owner._metrics.RecordRejected(SourceName, RejectReasons.MalformedRow);
            Interlocked.Increment(ref _total);
            int seen;
            lock (_perFile)
            {
                seen = _perFile.TryGetValue(file.Path, out var n) ? n + 1 : 1;
                _perFile[file.Path] = seen;
            }

            if (seen <= RejectionsLoggedPerFile)
            {
                owner.LogRejected(file.Path, line, reason);
            }
            else if (seen == RejectionsLoggedPerFile + 1)
            {
                owner.LogRejectionsSuppressed(RejectionsLoggedPerFile, file.Path);
            }
        }
    }

    private sealed record ReplayEvent(long TimeMs, MarketTick? Tick, OHLCVBar? Bar);

    private sealed class ReplayEventOrder : IComparer<ReplayEvent>
    {
        public static readonly ReplayEventOrder Instance = new();

        public int Compare(ReplayEvent? x, ReplayEvent? y) => x!.TimeMs.CompareTo(y!.TimeMs);
    }
}
