using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>
/// MEXC spot v3 behind <see cref="IBrokerageApi"/> (venue name "Mexc"). MEXC's v3 REST API copies Binance's (same
/// paths, parameters and query-string HMAC-SHA256 signature; key header X-MEXC-APIKEY), so the signed REST part is
/// shared with Binance. Differences handled here: order types LIMIT, MARKET, IMMEDIATE_OR_CANCEL, FILL_OR_KILL (time
/// in force is the type; no stop orders: the executor watches stops locally), string order ids, exchangeInfo precisions
/// instead of filters.
/// <para>Fills are found by polling, not by a stream: every <see cref="MexcTradingOptions.FillPollIntervalMs"/> the
/// client reads GET /api/v3/myTrades for each symbol it has open orders on and pushes new trades as fill reports,
/// then queries those open orders and pushes cancels and expiries. MEXC's private WebSocket (listenKey, protobuf
/// "spot@private.deals.v3.api.pb") would be faster; polling was chosen because it needs no second protocol and it can be
/// tested here end to end. A fill can therefore arrive up to one poll interval late.</para>
/// </summary>
public sealed class MexcTradingClient : SignedSpotTradingClient
{
    public const string VenueName = "Mexc";

    private readonly MexcTradingOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, DateTimeOffset> _watched = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenTrades = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly Dictionary<string, string> _followed = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private Task? _poller;

    public MexcTradingClient(
        HttpClient http,
        MexcTradingOptions options,
        TimeProvider timeProvider,
        ILogger<MexcTradingClient> logger,
        ExchangeClientSettings? settings = null,
        bool startPolling = true)
        : base(VenueName, http, (options ?? throw new ArgumentNullException(nameof(options))).Credentials(), options, "X-MEXC-APIKEY", null, 0, timeProvider, logger, settings)
    {
        _options = options;
        StartPolling = startPolling;
    }

    public override VenueCapabilities Capabilities { get; } = new(SupportsStopMarket: false, SupportsStopLimit: false, SupportsShortSelling: false);

    /// <summary>False in tests that call <see cref="PollOnceAsync"/> themselves.</summary>
    public bool StartPolling { get; }

    protected override int MyTradesLimit => 100;

    /// <summary>
    /// One polling round: new trades of the watched symbols become fill reports, open orders that the venue has
    /// canceled or expired become cancel/expiry reports. Returns the number of fill reports pushed.
    /// </summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        KeyValuePair<string, DateTimeOffset>[] watched;
        lock (_lock)
        {
            watched = [.. _watched];
        }

        var pushed = 0;
        var now = Time.GetUtcNow();
        foreach (var (symbol, since) in watched)
        {
            var open = (await GetOpenOrdersAsync(symbol, cancellationToken).ConfigureAwait(false)).Select(o => o.ClientOrderId).ToHashSet(StringComparer.Ordinal);
            foreach (var fill in await GetFillsAsync(symbol, since, cancellationToken).ConfigureAwait(false))
            {
                if (MarkSeen(fill.TradeId))
                {
                    Publish(new ExecutionReport(Name, fill.ClientOrderId, ExecutionReportKind.Fill, fill.Time, "fill found by polling myTrades", null, fill));
                    pushed++;
                }
            }

            string[] closed;
            lock (_lock)
            {
                closed = _followed.Where(f => f.Value == symbol && !open.Contains(f.Key)).Select(f => f.Key).ToArray();
            }

            foreach (var clientOrderId in closed)
            {
                var order = await QueryOrderAsync(symbol, clientOrderId, cancellationToken).ConfigureAwait(false);
                if (order is not null && order.Status.IsOpen())
                {
                    continue;
                }

                if (order?.Status is OrderStatus.Canceled or OrderStatus.Expired)
                {
                    var kind = order.Status == OrderStatus.Canceled ? ExecutionReportKind.Canceled : ExecutionReportKind.Expired;
                    Publish(new ExecutionReport(Name, clientOrderId, kind, now, $"{order.Status} on {Name} (found by polling)", order.VenueOrderId));
                }

                lock (_lock)
                {
                    _followed.Remove(clientOrderId);
                }
            }

            lock (_lock)
            {
                if (open.Count == 0 && !_followed.ContainsValue(symbol))
                {
                    _watched.Remove(symbol);
                }
                else
                {
                    // Overlap the next window by a minute: trades are matched by id, so a re-read costs nothing.
                    _watched[symbol] = now.AddMinutes(-1);
                }
            }
        }

        return pushed;
    }

    protected override void OnOrderAccepted(string symbol, string clientOrderId)
    {
        lock (_lock)
        {
            _followed[clientOrderId] = symbol;
        }
    }

    protected override void RememberSymbol(string symbol)
    {
        lock (_lock)
        {
            var since = Time.GetUtcNow().AddMinutes(-1);
            if (!_watched.TryGetValue(symbol, out var existing) || existing > since)
            {
                _watched[symbol] = since;
            }
        }
    }

    protected override void Start()
    {
        if (StartPolling)
        {
            _poller = Task.Run(() => PollLoopAsync(_stop.Token));
        }
    }

    protected override string? OrderTypeProblem(VenueOrderRequest request) =>
        request.Type is OrderType.StopMarket or OrderType.StopLimit ? "MEXC spot API has no stop orders" : null;

    protected override IReadOnlyList<KeyValuePair<string, string>> OrderParameters(VenueOrderRequest request)
    {
        var type = request.Type == OrderType.Market
            ? "MARKET"
            : request.TimeInForce switch
            {
                Execution.TimeInForce.Ioc => "IMMEDIATE_OR_CANCEL",
                Execution.TimeInForce.Fok => "FILL_OR_KILL",
                _ => "LIMIT",
            };
        var p = new List<KeyValuePair<string, string>>
        {
            new("symbol", request.Symbol),
            new("side", SideOf(request.Side)),
            new("type", type),
            new("quantity", Text(request.Quantity)),
        };
        if (request.Type == OrderType.Limit && request.LimitPrice is { } price)
        {
            p.Add(new("price", Text(price)));
        }

        p.Add(new("newClientOrderId", request.ClientOrderId));
        return p;
    }

    protected override bool IsUnknownOrder(int code) => code is -2013 or -2011;

    protected override bool IsDuplicateClientOrderId(int code, string message) =>
        message.Contains("duplicate", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// MEXC lists precisions, not filters: tick = 10^-quotePrecision, step = 10^-baseAssetPrecision, minimum quantity
    /// baseSizePrecision (when above zero), minimum notional quoteAmountPrecision, maximum notional maxQuoteAmount.
    /// </summary>
    protected override SymbolRules ParseSymbolRules(JsonElement s)
    {
        if (s.TryGetProperty("filters", out var filters) && filters.GetArrayLength() > 0)
        {
            return BinanceTradingClient.ParseFilters(s);
        }

        var tick = Pow10(-s.GetProperty("quotePrecision").GetInt32());
        var step = Pow10(-s.GetProperty("baseAssetPrecision").GetInt32());
        var minSize = s.TryGetProperty("baseSizePrecision", out var bsp) ? DecimalOf(bsp) : 0m;
        var maxQuote = s.TryGetProperty("maxQuoteAmount", out var mq) ? DecimalOf(mq) : 0m;
        return new SymbolRules(
            s.GetProperty("symbol").GetString() ?? string.Empty,
            s.GetProperty("baseAsset").GetString() ?? string.Empty,
            s.GetProperty("quoteAsset").GetString() ?? string.Empty,
            tick,
            step,
            Math.Max(minSize, step),
            s.TryGetProperty("quoteAmountPrecision", out var qa) ? DecimalOf(qa) : 0m)
        {
            MaxNotional = maxQuote > 0m ? maxQuote : null,
        };
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stop.Cancel();
            _stop.Dispose();
        }
    }

    private async Task PollLoopAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromMilliseconds(_options.FillPollIntervalMs);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, Time, cancellationToken).ConfigureAwait(false);
                await PollOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is VenueUnavailableException or HttpRequestException or OperationCanceledException or JsonException or KeyNotFoundException)
            {
                VenueLog.PollFailed(Logger, Name, ex.Message);
            }
        }
    }

    private bool MarkSeen(string tradeId)
    {
        lock (_lock)
        {
            if (!_seenTrades.Add(tradeId))
            {
                return false;
            }

            _seenOrder.Enqueue(tradeId);
            while (_seenOrder.Count > 100_000)
            {
                _seenTrades.Remove(_seenOrder.Dequeue());
            }

            return true;
        }
    }

    private static decimal Pow10(int exponent)
    {
        var value = 1m;
        for (var i = 0; i < Math.Abs(exponent); i++)
        {
            value = exponent < 0 ? value / 10m : value * 10m;
        }

        return value;
    }

}
