using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>
/// MEXC spot market data. Live, by default, over MEXC's protobuf WebSocket (aggregated deals -> trades, klines ->
/// forming candles; a candle is published closed when its window rolls over, as the REST kline for that window);
/// with <see cref="MexcOptions.UseRestPolling"/>, by polling REST klines every <see cref="MexcOptions.PollIntervalMs"/>
/// (closed and forming candles, no trades). History and gaps come from REST klines. MEXC has no 1s candles.
/// </summary>
public sealed class MexcMarketDataSource : IMarketDataSource
{
    public const string SourceName = MexcRestClient.SourceName;

    /// <summary>Name of the IHttpClientFactory client used for REST.</summary>
    public const string HttpClientName = "TradingDashboard.Exchanges.Mexc";

    /// <summary>MEXC accepts at most 30 subscriptions per WebSocket connection.</summary>
    public const int MaxSubscriptionsPerConnection = 30;

    private static readonly byte[] PingMessage = "{\"method\":\"PING\"}"u8.ToArray();

    private readonly MexcOptions _options;
    private readonly TimeProvider _time;
    private readonly MarketDataMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ExchangeClientSettings _settings;

    public MexcMarketDataSource(
        HttpClient httpClient,
        MexcOptions options,
        TimeProvider timeProvider,
        MarketDataMetrics metrics,
        ILogger<MexcMarketDataSource> logger,
        ExchangeClientSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _options = options;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _settings = settings ?? ExchangeClientSettings.Default;
        Rest = new MexcRestClient(httpClient, options, timeProvider, metrics, logger, _settings);
        Capabilities = options.UseRestPolling
            ? new MarketDataCapabilities(StreamsTrades: false, MexcIntervals.Supported, MexcIntervals.Supported, Polling: true)
            : new MarketDataCapabilities(StreamsTrades: true, MexcIntervals.Supported, MexcIntervals.Supported, Polling: false);
    }

    public string Name => SourceName;

    public MarketDataCapabilities Capabilities { get; }

    public MexcRestClient Rest { get; }

    /// <summary>The protobuf channels for one symbol: aggregated deals (100 ms) and one kline channel per supported timeframe.</summary>
    public static IReadOnlyList<string> Channels(string symbol, IEnumerable<Timeframe> timeframes)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        ArgumentNullException.ThrowIfNull(timeframes);
        var upper = symbol.Trim().ToUpperInvariant();
        var channels = new List<string> { $"spot@public.aggre.deals.v3.api.pb@100ms@{upper}" };
        foreach (var tf in timeframes.Distinct().Order())
        {
            if (MexcIntervals.StreamCode(tf) is { } code)
            {
                channels.Add($"spot@public.kline.v3.api.pb@{upper}@{code}");
            }
        }

        return channels;
    }

    public Task StreamAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(sink);
        if (subscription.Symbols.Count == 0)
        {
            throw new ArgumentException("The subscription names no symbol.", nameof(subscription));
        }

        return _options.UseRestPolling
            ? PollAsync(subscription, sink, cancellationToken)
            : StreamWebSocketAsync(subscription, sink, cancellationToken);
    }

    public async Task<IReadOnlyList<OHLCVBar>> GetHistoricalBarsAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken) =>
        await Rest.GetClosedKlinesAsync(symbol, timeframe, fromMs, toMs, cancellationToken).ConfigureAwait(false);

    private async Task StreamWebSocketAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        var symbols = subscription.Symbols.Select(s => s.Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        var timeframes = subscription.Timeframes.Where(MexcIntervals.Supported.Contains).Distinct().Order().ToArray();
        // Keep all channels of a symbol on one connection, so each connection's state (trade order, klines) is its own.
        var perSymbol = Channels(symbols[0], timeframes).Count;
        var chunks = symbols.Chunk(Math.Max(1, MaxSubscriptionsPerConnection / perSymbol)).ToArray();
        var uri = new Uri(_options.WebSocketBaseUrl);
        if (chunks.Length == 1)
        {
            await RunConnectionAsync(uri, chunks[0], timeframes, string.Empty, sink, cancellationToken).ConfigureAwait(false);
            return;
        }

        using var shared = new SerializedSink(sink);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = chunks
            .Select((chunk, i) => RunConnectionAsync(uri, chunk, timeframes, $"connection {i + 1}/{chunks.Length}: ", shared, stop.Token))
            .ToArray();
        var first = await Task.WhenAny(tasks).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (first.IsFaulted || first.IsCanceled)
        {
            // The first task to end carries the reason; the others were cancelled because of it.
        }

        await first.ConfigureAwait(false);
    }

    private Task RunConnectionAsync(Uri uri, string[] symbols, Timeframe[] timeframes, string label, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        var channels = symbols.SelectMany(s => Channels(s, timeframes)).ToArray();
        var handler = new FrameHandler(this, channels, new SymbolTable(symbols), sink);
        var runner = new WebSocketStreamRunner(SourceName, uri, label, handler, sink, _time, _logger, _settings);
        return runner.RunAsync(cancellationToken);
    }

    private async Task PollAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        var symbols = subscription.Symbols.Select(s => s.Trim().ToUpperInvariant()).Distinct(StringComparer.Ordinal).ToArray();
        var timeframes = subscription.Timeframes.Where(MexcIntervals.Supported.Contains).Distinct().Order().ToArray();
        if (timeframes.Length == 0)
        {
            throw new NotSupportedException("MEXC polling serves 1m, 1h and 1d klines; the subscription asks for none of them.");
        }

        var rejections = new RejectionRecorder(SourceName, _metrics, _logger, _time);
        var lastClosedOpen = new Dictionary<(string, Timeframe), long>();
        var lastForming = new Dictionary<(string, Timeframe), OHLCVBar>();
        var interval = TimeSpan.FromMilliseconds(_options.PollIntervalMs);
        var backoff = new ReconnectBackoff(_settings.InitialReconnectDelay, _settings.MaxReconnectDelay);
        var connected = false;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                foreach (var symbol in symbols)
                {
                    foreach (var tf in timeframes)
                    {
                        await PollOneAsync(symbol, tf, sink, rejections, lastClosedOpen, lastForming, cancellationToken).ConfigureAwait(false);
                    }
                }

                failures = 0;
                if (!connected)
                {
                    connected = true;
                    _logger.LogInformation("Mexc REST polling is delivering klines every {IntervalMs} ms", _options.PollIntervalMs);
                    await sink.OnConnectionChangedAsync(SourceName, true, $"polling REST klines every {_options.PollIntervalMs} ms", cancellationToken).ConfigureAwait(false);
                }

                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested
                && ex is ExchangeApiException or ExchangeRateLimitedException or HttpRequestException)
            {
                failures++;
                _logger.LogWarning("Mexc REST poll failed ({Failures} of {MaxFailures} consecutive failures): {Error}", failures, _settings.MaxConsecutiveFailures, ex.Message);
                if (connected || failures == 1)
                {
                    connected = false;
                    await sink.OnConnectionChangedAsync(SourceName, false, $"REST poll failed ({failures}/{_settings.MaxConsecutiveFailures}): {ex.Message}", cancellationToken).ConfigureAwait(false);
                }

                if (failures >= _settings.MaxConsecutiveFailures)
                {
                    throw new ExchangeConnectionException($"Mexc: {failures} consecutive REST poll failures; last: {ex.Message}", ex);
                }

                await Task.Delay(Max(interval, backoff.Delay(failures)), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PollOneAsync(
        string symbol,
        Timeframe timeframe,
        IMarketDataSink sink,
        RejectionRecorder rejections,
        Dictionary<(string, Timeframe), long> lastClosedOpen,
        Dictionary<(string, Timeframe), OHLCVBar> lastForming,
        CancellationToken cancellationToken)
    {
        var key = (symbol, timeframe);
        var duration = timeframe.DurationMs();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        // First poll: the last closed candle and the forming one; later: everything after the last closed candle sent.
        var start = lastClosedOpen.TryGetValue(key, out var last) ? last + duration : timeframe.BucketStart(now) - duration;
        var rows = await Rest.GetKlinesAsync(symbol, timeframe, start, now, MexcRestClient.MaxKlinesPerRequest, cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            if (row.OpenTimeMs < start)
            {
                continue;
            }

            if (row.OpenTimeMs + duration <= now)
            {
                lastClosedOpen[key] = row.OpenTimeMs;
                rejections.Accepted();
                await sink.OnKlineAsync(row, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var forming = row with { IsClosed = false, ExchangeTimeMs = now };
            if (lastForming.TryGetValue(key, out var previous) && SameValues(previous, forming))
            {
                continue;
            }

            lastForming[key] = forming;
            rejections.Accepted();
            await sink.OnKlineAsync(forming, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool SameValues(OHLCVBar a, OHLCVBar b) =>
        a.OpenTimeMs == b.OpenTimeMs && a.Open == b.Open && a.High == b.High && a.Low == b.Low && a.Close == b.Close && a.Volume == b.Volume;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Closed candle for a window that has just rolled over: the REST kline of that window, or, when REST cannot give
    /// it, the last pushed version (logged).
    /// </summary>
    private async Task<OHLCVBar> CloseFromRestAsync(OHLCVBar lastPushed, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await Rest.GetKlinesAsync(lastPushed.Symbol, lastPushed.Timeframe, lastPushed.OpenTimeMs, lastPushed.OpenTimeMs, 1, cancellationToken).ConfigureAwait(false);
            if (rows.Count > 0 && rows[0].OpenTimeMs == lastPushed.OpenTimeMs)
            {
                return rows[0] with { ReceivedTimeMs = _time.GetUtcNow().ToUnixTimeMilliseconds() };
            }

            _logger.LogWarning("Mexc REST has no {Timeframe} kline at {OpenTime} for {Symbol}; closing it with the last pushed values", lastPushed.Timeframe.ToCode(), lastPushed.OpenTimeMs, lastPushed.Symbol);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is ExchangeApiException or ExchangeRateLimitedException or HttpRequestException)
        {
            _logger.LogWarning("Mexc REST could not confirm the {Timeframe} kline at {OpenTime} for {Symbol} ({Error}); closing it with the last pushed values", lastPushed.Timeframe.ToCode(), lastPushed.OpenTimeMs, lastPushed.Symbol, ex.Message);
        }

        return lastPushed with { IsClosed = true };
    }

    /// <summary>Handles the frames of one MEXC connection: JSON acks/pongs/errors and protobuf pushes.</summary>
    private sealed class FrameHandler : IWebSocketFrameHandler
    {
        private readonly MexcMarketDataSource _owner;
        private readonly string[] _channels;
        private readonly SymbolTable _symbols;
        private readonly IMarketDataSink _sink;
        private readonly RejectionRecorder _rejections;
        private readonly TradeSequenceGuard _tradeIds = new();
        private readonly Dictionary<string, long> _lastDealTime = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _localSequence = new(StringComparer.Ordinal);
        private readonly Dictionary<(string, Timeframe), OHLCVBar> _forming = [];

        public FrameHandler(MexcMarketDataSource owner, string[] channels, SymbolTable symbols, IMarketDataSink sink)
        {
            _owner = owner;
            _channels = channels;
            _symbols = symbols;
            _sink = sink;
            _rejections = new RejectionRecorder(SourceName, owner._metrics, owner._logger, owner._time);
        }

        public ReadOnlyMemory<byte> PingMessage => MexcMarketDataSource.PingMessage;

        public async Task OnConnectedAsync(ClientWebSocket socket, CancellationToken cancellationToken)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("method", "SUBSCRIPTION");
                writer.WriteStartArray("params");
                foreach (var channel in _channels)
                {
                    writer.WriteStringValue(channel);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            await socket.SendAsync(buffer.ToArray(), WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }

        public async ValueTask<FrameResult> OnFrameAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type, CancellationToken cancellationToken)
        {
            if (type == WebSocketMessageType.Text)
            {
                HandleControlMessage(frame.Span);
                return FrameResult.Continue;
            }

            MexcPushMessage message;
            try
            {
                if (!MemoryMarshal.TryGetArray(frame, out var segment) || segment.Array is null)
                {
                    segment = new ArraySegment<byte>(frame.ToArray());
                }

                message = MexcPushDecoder.Decode(segment.Array!, segment.Offset, segment.Count);
            }
            catch (InvalidProtocolBufferException ex)
            {
                _rejections.Rejected(RejectReasons.MalformedFrame, ex.Message);
                return FrameResult.Continue;
            }

            if (!TryResolveSymbol(message, out var symbol))
            {
                _rejections.Rejected(RejectReasons.UnknownSymbol, $"push on channel {message.Channel} for symbol {message.Symbol}");
                return FrameResult.Continue;
            }

            return message.Body switch
            {
                MexcPushBody.Deals or MexcPushBody.AggreDeals => await DeliverDealsAsync(message, symbol, cancellationToken).ConfigureAwait(false),
                MexcPushBody.Kline => await DeliverKlineAsync(message, symbol, cancellationToken).ConfigureAwait(false),
                _ => Unknown(message),
            };
        }

        private FrameResult Unknown(MexcPushMessage message)
        {
            _rejections.Rejected(RejectReasons.UnknownEvent, $"push body field {message.BodyFieldNumber} on channel {message.Channel}");
            return FrameResult.Continue;
        }

        private async ValueTask<FrameResult> DeliverDealsAsync(MexcPushMessage message, string symbol, CancellationToken cancellationToken)
        {
            var delivered = false;
            var received = _owner._time.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var deal in message.Deals)
            {
                if (!TryParse(deal.Price, out var price) || !TryParse(deal.Quantity, out var quantity))
                {
                    _rejections.Rejected(RejectReasons.InvalidNumber, $"{symbol} deal price '{deal.Price}' quantity '{deal.Quantity}'");
                    continue;
                }

                var reason = MarketDataValidation.CheckTrade(price, quantity);
                if (reason is null && (deal.TradeType is not (1 or 2) || deal.TimeMs <= 0))
                {
                    reason = RejectReasons.MalformedFrame;
                }

                if (reason is not null)
                {
                    _rejections.Rejected(reason, $"{symbol} deal at {deal.TimeMs} type {deal.TradeType}");
                    continue;
                }

                if (!TrySequence(symbol, deal, out var tradeId, out reason))
                {
                    _rejections.Rejected(reason!, $"{symbol} deal at {deal.TimeMs} id {deal.TradeId}");
                    continue;
                }

                // tradeType 2 = the taker sold, so the buyer was the maker.
                var tick = new MarketTick(SourceName, symbol, tradeId, price, quantity, IsBuyerMaker: deal.TradeType == 2, deal.TimeMs, received);
                _rejections.Accepted();
                await _sink.OnTradeAsync(tick, cancellationToken).ConfigureAwait(false);
                delivered = true;
            }

            return delivered ? FrameResult.Delivered : FrameResult.Continue;
        }

        /// <summary>
        /// Orders deals per symbol: by MEXC's trade id where it sends one; otherwise by trade time (an older deal is
        /// out of order) with a local sequence number as id, since the older deal items carry no id.
        /// </summary>
        private bool TrySequence(string symbol, MexcDeal deal, out long tradeId, out string? reason)
        {
            if (deal.TradeId is { Length: > 0 } text && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out tradeId))
            {
                reason = _tradeIds.Check(symbol, tradeId);
                return reason is null;
            }

            ref var lastTime = ref CollectionsMarshal.GetValueRefOrAddDefault(_lastDealTime, symbol, out _);
            if (deal.TimeMs < lastTime)
            {
                tradeId = 0;
                reason = RejectReasons.OutOfOrderTrade;
                return false;
            }

            lastTime = deal.TimeMs;
            ref var sequence = ref CollectionsMarshal.GetValueRefOrAddDefault(_localSequence, symbol, out _);
            tradeId = ++sequence;
            reason = null;
            return true;
        }

        private async ValueTask<FrameResult> DeliverKlineAsync(MexcPushMessage message, string symbol, CancellationToken cancellationToken)
        {
            var k = message.Kline!;
            if (MexcIntervals.FromStreamCode(k.Interval) is not { } timeframe)
            {
                _rejections.Rejected(RejectReasons.UnknownEvent, $"kline interval '{k.Interval}'");
                return FrameResult.Continue;
            }

            if (!TryParse(k.OpeningPrice, out var open) || !TryParse(k.HighestPrice, out var high) || !TryParse(k.LowestPrice, out var low)
                || !TryParse(k.ClosingPrice, out var close) || !TryParse(k.Volume, out var volume))
            {
                _rejections.Rejected(RejectReasons.InvalidNumber, $"{symbol} kline at {k.WindowStartSeconds}");
                return FrameResult.Continue;
            }

            TryParse(k.Amount, out var amount);
            var reason = MarketDataValidation.CheckBar(open, high, low, close, volume);
            var openMs = k.WindowStartSeconds * 1000;
            if (reason is null && (openMs <= 0 || openMs % timeframe.DurationMs() != 0))
            {
                reason = RejectReasons.MalformedFrame;
            }

            if (reason is not null)
            {
                _rejections.Rejected(reason, $"{symbol} {timeframe.ToCode()} kline at {k.WindowStartSeconds}");
                return FrameResult.Continue;
            }

            var now = _owner._time.GetUtcNow().ToUnixTimeMilliseconds();
            var eventTime = message.CreateTimeMs > 0 ? message.CreateTimeMs : message.SendTimeMs > 0 ? message.SendTimeMs : now;
            var bar = new OHLCVBar(SourceName, symbol, timeframe, openMs, open, high, low, close, volume, IsClosed: false)
            {
                QuoteVolume = amount,
                ExchangeTimeMs = eventTime,
                ReceivedTimeMs = now,
            };

            var key = (symbol, timeframe);
            if (_forming.TryGetValue(key, out var previous))
            {
                if (openMs < previous.OpenTimeMs)
                {
                    _rejections.Rejected(RejectReasons.OutOfOrderTrade, $"{symbol} {timeframe.ToCode()} kline window {openMs} older than the current {previous.OpenTimeMs}");
                    return FrameResult.Continue;
                }

                if (openMs > previous.OpenTimeMs)
                {
                    var closed = await _owner.CloseFromRestAsync(previous, cancellationToken).ConfigureAwait(false);
                    await _sink.OnKlineAsync(closed, cancellationToken).ConfigureAwait(false);
                }
            }

            _forming[key] = bar;
            _rejections.Accepted();
            await _sink.OnKlineAsync(bar, cancellationToken).ConfigureAwait(false);
            return FrameResult.Delivered;
        }

        private bool TryResolveSymbol(MexcPushMessage message, out string symbol)
        {
            if (message.Symbol is { Length: > 0 } named)
            {
                return _symbols.TryGet(named.AsSpan(), out symbol);
            }

            // Without the symbol field, the channel names it: ...@100ms@BTCUSDT or ...@BTCUSDT@Min1.
            foreach (var part in message.Channel.Split('@'))
            {
                if (_symbols.TryGet(part.AsSpan(), out symbol))
                {
                    return true;
                }
            }

            symbol = string.Empty;
            return false;
        }

        private void HandleControlMessage(ReadOnlySpan<byte> utf8)
        {
            long code = 0;
            string? msg = null;
            try
            {
                var reader = new Utf8JsonReader(utf8);
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                {
                    throw new JsonException("not a JSON object");
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isCode = reader.ValueTextEquals("code"u8);
                    var isMsg = reader.ValueTextEquals("msg"u8);
                    reader.Read();
                    if (isCode && reader.TokenType == JsonTokenType.Number)
                    {
                        reader.TryGetInt64(out code);
                    }
                    else if (isMsg && reader.TokenType == JsonTokenType.String)
                    {
                        msg = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            catch (JsonException ex)
            {
                _rejections.Rejected(RejectReasons.MalformedJson, "control message: " + ex.Message);
                return;
            }

            var logger = _owner._logger;
            if (code != 0)
            {
                logger.LogWarning("Mexc answered with error {Code}: {Message}", code, msg);
            }
            else if (msg == "PONG")
            {
                logger.LogDebug("Mexc PONG");
            }
            else if (msg is not null && _channels.Contains(msg, StringComparer.Ordinal))
            {
                logger.LogInformation("Mexc subscribed to {Channel}", msg);
            }
            else if (msg is not null && msg.Split(',').All(part => _channels.Contains(part.Trim(), StringComparer.Ordinal)))
            {
                logger.LogInformation("Mexc subscribed to {Channels}", msg);
            }
            else
            {
                // E.g. "Not Subscribed successfully! [...]. Reason: Blocked!"
                logger.LogWarning("Mexc control message: {Message}", msg);
            }
        }

        private static bool TryParse(string text, out double value) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
    }
}
