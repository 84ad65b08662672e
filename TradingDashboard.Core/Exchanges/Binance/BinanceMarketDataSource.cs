using System.Net.WebSockets;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// Binance spot market data: live trades (trade or aggTrade stream) and klines (kline_1s/1m/1h/1d, forming and closed)
/// over one combined-stream WebSocket ({WebSocketBaseUrl}/stream?streams=ethusdt@aggTrade/ethusdt@kline_1m/...), and
/// closed klines over REST for history and gaps. Every message is validated and counted in
/// <see cref="MarketDataMetrics"/>; duplicate and out-of-order trade ids are dropped per symbol.
/// </summary>
public sealed class BinanceMarketDataSource : IMarketDataSource
{
    public const string SourceName = BinanceMessageParser.SourceName;

    /// <summary>Name of the IHttpClientFactory client used for REST.</summary>
    public const string HttpClientName = "TradingDashboard.Exchanges.Binance";

    /// <summary>Binance serves klines for every timeframe the system uses, 1s included.</summary>
    public static readonly IReadOnlyList<Timeframe> SupportedTimeframes =
        [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay];

    private readonly BinanceOptions _options;
    private readonly TimeProvider _time;
    private readonly MarketDataMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ExchangeClientSettings _settings;

    public BinanceMarketDataSource(
        HttpClient httpClient,
        BinanceOptions options,
        TimeProvider timeProvider,
        MarketDataMetrics metrics,
        ILogger<BinanceMarketDataSource> logger,
        ExchangeClientSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        if (options.TradeStream is not ("trade" or "aggTrade"))
        {
            throw new ArgumentException($"Trading:MarketData:Binance:TradeStream must be 'trade' or 'aggTrade', not '{options.TradeStream}'.", nameof(options));
        }

        _options = options;
        _time = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _settings = settings ?? ExchangeClientSettings.Default;
        Rest = new BinanceRestClient(httpClient, options, timeProvider, metrics, logger, _settings);
    }

    public string Name => SourceName;

    public MarketDataCapabilities Capabilities { get; } = new(StreamsTrades: true, SupportedTimeframes, SupportedTimeframes);

    /// <summary>The REST client (klines), with its rate-limit gate.</summary>
    public BinanceRestClient Rest { get; }

    /// <summary>Stream names for a subscription: the trade stream and one kline stream per supported timeframe, symbols lower case.</summary>
    public IReadOnlyList<string> StreamNames(MarketDataSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var names = new List<string>();
        foreach (var symbol in subscription.Symbols.Select(s => s.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal))
        {
            names.Add($"{symbol}@{_options.TradeStream}");
            foreach (var tf in subscription.Timeframes.Distinct().Order().Where(SupportedTimeframes.Contains))
            {
                names.Add($"{symbol}@kline_{tf.ToCode()}");
            }
        }

        return names;
    }

    /// <summary>The combined-stream URL for a subscription.</summary>
    public Uri StreamUri(MarketDataSubscription subscription) =>
        new($"{_options.WebSocketBaseUrl.TrimEnd('/')}/stream?streams={string.Join('/', StreamNames(subscription))}");

    public async Task StreamAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(sink);
        if (subscription.Symbols.Count == 0)
        {
            throw new ArgumentException("The subscription names no symbol.", nameof(subscription));
        }

        var handler = new FrameHandler(
            new BinanceMessageParser(subscription.Symbols),
            new TradeSequenceGuard(),
            sink,
            new RejectionRecorder(SourceName, _metrics, _logger, _time),
            _time,
            _logger);
        var runner = new WebSocketStreamRunner(SourceName, StreamUri(subscription), string.Empty, handler, sink, _time, _logger, _settings);
        await runner.RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<OHLCVBar>> GetHistoricalBarsAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken) =>
        await Rest.GetClosedKlinesAsync(symbol, timeframe, fromMs, toMs, cancellationToken).ConfigureAwait(false);

    /// <summary>Parses, validates and delivers each frame of the combined stream.</summary>
    private sealed class FrameHandler(
        BinanceMessageParser parser,
        TradeSequenceGuard guard,
        IMarketDataSink sink,
        RejectionRecorder rejections,
        TimeProvider time,
        ILogger logger) : IWebSocketFrameHandler
    {
        public ReadOnlyMemory<byte> PingMessage => ReadOnlyMemory<byte>.Empty;

        // The combined-stream URL carries the subscriptions; Binance's ping frames are answered by ClientWebSocket itself.
        public Task OnConnectedAsync(ClientWebSocket socket, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask<FrameResult> OnFrameAsync(ReadOnlyMemory<byte> frame, WebSocketMessageType type, CancellationToken cancellationToken)
        {
            if (type != WebSocketMessageType.Text)
            {
                rejections.Rejected(RejectReasons.MalformedFrame, "binary frame on a JSON stream");
                return ValueTask.FromResult(FrameResult.Continue);
            }

            var result = parser.Parse(frame.Span, time.GetUtcNow().ToUnixTimeMilliseconds());
            switch (result.Kind)
            {
                case BinanceMessageKind.Trade:
                    var tick = result.Tick!;
                    var reason = guard.Check(tick.Symbol, tick.TradeId);
                    if (reason is not null)
                    {
                        rejections.Rejected(reason, $"{tick.Symbol} trade {tick.TradeId} after {guard.LastId(tick.Symbol)}");
                        return ValueTask.FromResult(FrameResult.Continue);
                    }

                    rejections.Accepted();
                    return DeliverAsync(sink.OnTradeAsync(tick, cancellationToken));
                case BinanceMessageKind.Kline:
                    rejections.Accepted();
                    return DeliverAsync(sink.OnKlineAsync(result.Bar!, cancellationToken));
                case BinanceMessageKind.ServerShutdown:
                    logger.LogInformation("Binance announced a server shutdown; replacing the connection");
                    return ValueTask.FromResult(FrameResult.Reconnect);
                default:
                    rejections.Rejected(result.RejectReason!, result.RejectDetail);
                    return ValueTask.FromResult(FrameResult.Continue);
            }
        }

        private static ValueTask<FrameResult> DeliverAsync(ValueTask delivery)
        {
            if (delivery.IsCompletedSuccessfully)
            {
                delivery.GetAwaiter().GetResult();
                return ValueTask.FromResult(FrameResult.Delivered);
            }

            return AwaitAsync(delivery);

            static async ValueTask<FrameResult> AwaitAsync(ValueTask pending)
            {
                await pending.ConfigureAwait(false);
                return FrameResult.Delivered;
            }
        }
    }
}
