using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// The signed spot REST API that Binance defines and MEXC spot v3 copies (same paths, parameters, HMAC-SHA256
/// signature over the query string, JSON shapes): order placement, cancel and query by client order id, open orders,
/// balances, own trades and exchangeInfo, behind <see cref="IBrokerageApi"/>. Venue differences (API key header,
/// order types, rules format, error codes) are the overrides in <see cref="BinanceTradingClient"/> and
/// <see cref="Mexc.MexcTradingClient"/>.
/// <para>Failure handling: reads are retried by the <see cref="RestRequestGate"/> (which also honours 429/418
/// Retry-After for every request of the venue); a placement is sent exactly once per call: a timeout, dropped
/// connection or 5xx throws <see cref="VenueUnavailableException"/> with MayHaveReachedVenue, so the
/// <see cref="OrderManager"/> looks the order up by client order id before sending again; a 429/418 or a refused
/// connection says it did not reach the venue. A timestamp outside recvWindow re-reads the server time and
/// re-signs once.</para>
/// Thread-safe.
/// </summary>
public abstract class SignedSpotTradingClient : IBrokerageApi, IDisposable
{
    /// <summary>Binance: "Timestamp for this request is outside of the recvWindow."</summary>
    protected const int TimestampOutsideRecvWindow = -1021;

    private const int MaxRememberedOrderIds = 50_000;

    private readonly HttpClient _http;
    private readonly RestRequestGate _gate;
    private readonly BinanceSigner _signer;
    private readonly string _apiKeyHeader;
    private readonly ConcurrentDictionary<string, SymbolRules> _rules = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _clientIdByOrderId = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _orderIdOrder = new();
    private readonly Lock _subscribersLock = new();
    private Action<ExecutionReport>[] _subscribers = [];
    private int _timeSynced;
    private int _started;
    private int _disposed;

    protected SignedSpotTradingClient(
        string name,
        HttpClient http,
        ExchangeCredentials credentials,
        ExchangeCredentialsOptions options,
        string apiKeyHeader,
        string? usedWeightHeader,
        int weightLimitPerMinute,
        TimeProvider timeProvider,
        ILogger logger,
        ExchangeClientSettings? settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(credentials);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        Name = name;
        _http = http;
        _http.BaseAddress ??= new Uri(options.ResolvedRestBaseUrl() + "/");
        _apiKeyHeader = apiKeyHeader;
        Time = timeProvider;
        Logger = logger;
        var gateSettings = (settings ?? ExchangeClientSettings.Default) with { RestRequestTimeout = TimeSpan.FromMilliseconds(options.RequestTimeoutMs) };
        _gate = new RestRequestGate(name, timeProvider, logger, gateSettings, usedWeightHeader, weightLimitPerMinute);
        _signer = new BinanceSigner(credentials, timeProvider, options.RecvWindowMs);
    }

    public string Name { get; }

    public abstract VenueCapabilities Capabilities { get; }

    /// <summary>Venue clock minus local clock in milliseconds, as last measured.</summary>
    public long ServerTimeOffsetMs => _signer.ServerTimeOffsetMs;

    /// <summary>The gate's rate-limit block (a Retry-After still running), for the status page and tests.</summary>
    public DateTimeOffset BlockedUntil => _gate.BlockedUntil;

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    protected BinanceSigner Signer => _signer;

    /// <summary>Measures the venue's clock (GET /api/v3/time) and uses it for every signed timestamp.</summary>
    public async Task SyncServerTimeAsync(CancellationToken cancellationToken = default)
    {
        var sent = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var answer = await _gate.SendAsync(_http, () => new HttpRequestMessage(HttpMethod.Get, "api/v3/time"), true, cancellationToken).ConfigureAwait(false);
        var received = Time.GetUtcNow().ToUnixTimeMilliseconds();
        using var doc = Parse(answer, "GET /api/v3/time");
        var serverTime = LongOf(doc.RootElement.GetProperty("serverTime"));
        _signer.ObserveServerTime(serverTime, sent, received);
        Volatile.Write(ref _timeSynced, 1);
        VenueLog.ServerTime(Logger, Name, _signer.ServerTimeOffsetMs);
    }

    public async ValueTask<SymbolRules> GetSymbolRulesAsync(string symbol, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        if (_rules.TryGetValue(symbol, out var cached))
        {
            return cached;
        }

        var answer = await ReadAsync(() => new HttpRequestMessage(HttpMethod.Get, "api/v3/exchangeInfo?symbol=" + Uri.EscapeDataString(symbol)), "exchangeInfo", cancellationToken).ConfigureAwait(false);
        EnsureSuccess(answer, "GET /api/v3/exchangeInfo");
        using var doc = Parse(answer, "GET /api/v3/exchangeInfo");
        foreach (var s in doc.RootElement.GetProperty("symbols").EnumerateArray())
        {
            if (s.GetProperty("symbol").GetString() == symbol)
            {
                var rules = ParseSymbolRules(s);
                if (rules.Problem() is { } problem)
                {
                    throw new ExchangeApiException($"{Name} exchangeInfo for {symbol} gives unusable rules: {problem}.");
                }

                return _rules[symbol] = rules;
            }
        }

        throw new ExchangeApiException($"{Name} exchangeInfo does not list {symbol}.");
    }

    public async ValueTask<PlaceOrderResult> PlaceOrderAsync(VenueOrderRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (OrderTypeProblem(request) is { } unsupported)
        {
            return PlaceOrderResult.Rejected(unsupported);
        }

        EnsureStarted();
        RememberSymbol(request.Symbol);
        RestAnswer answer;
        try
        {
            answer = await SignedAsync(HttpMethod.Post, "api/v3/order", OrderParameters(request), retryTransient: false, cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeRateLimitedException ex)
        {
            throw new VenueUnavailableException($"{Name} rate limit: {ex.Message}", mayHaveReachedVenue: false, RetryAfterOf(ex), ex);
        }
        catch (ExchangeApiException ex)
        {
            // Binance: a 5xx means the execution status is unknown; the order may exist.
            throw new VenueUnavailableException($"{Name} order placement failed: {ex.Message}", mayHaveReachedVenue: true, null, ex);
        }
        catch (HttpRequestException ex)
        {
            var reached = ex.HttpRequestError != HttpRequestError.ConnectionError;
            throw new VenueUnavailableException($"{Name} order placement failed: {ex.Message}", reached, null, ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new VenueUnavailableException($"{Name} did not answer the order placement in time", mayHaveReachedVenue: true, null, ex);
        }

        if (!answer.IsSuccess)
        {
            var (code, message) = ErrorOf(answer);
            VenueLog.OrderRefused(Logger, Name, request.ClientOrderId, code, message);
            return IsDuplicateClientOrderId(code, message) ? PlaceOrderResult.Duplicate() : PlaceOrderResult.Rejected($"{code}: {message}");
        }

        using var doc = Parse(answer, "POST /api/v3/order");
        var root = doc.RootElement;
        var orderId = IdOf(root.GetProperty("orderId"));
        Remember(request.Symbol, orderId, request.ClientOrderId);
        OnOrderAccepted(request.Symbol, request.ClientOrderId);
        var now = Time.GetUtcNow();
        Publish(new ExecutionReport(Name, request.ClientOrderId, ExecutionReportKind.Accepted, now, $"accepted by {Name}", orderId));

        // A FULL answer carries the fills of an order that traded at once; the stream or myTrades may bring them
        // again, which the order manager recognises by trade id.
        if (root.TryGetProperty("fills", out var fills) && fills.ValueKind == JsonValueKind.Array)
        {
            foreach (var f in fills.EnumerateArray())
            {
                Publish(new ExecutionReport(Name, request.ClientOrderId, ExecutionReportKind.Fill, now, "fill in placement answer", orderId, new Fill(
                    Name,
                    TradeIdOf(request.Symbol, IdOf(f.GetProperty("tradeId"))),
                    request.ClientOrderId,
                    request.Symbol,
                    request.Side,
                    DecimalOf(f.GetProperty("qty")),
                    DecimalOf(f.GetProperty("price")),
                    DecimalOf(f.GetProperty("commission")),
                    f.GetProperty("commissionAsset").GetString() ?? string.Empty,
                    false,
                    TimeOf(root, "transactTime") ?? now)));
            }
        }

        if (root.TryGetProperty("status", out var st) && MapStatus(st.GetString()) is OrderStatus.Expired or OrderStatus.Canceled or OrderStatus.Rejected)
        {
            var kind = MapStatus(st.GetString()) switch
            {
                OrderStatus.Expired => ExecutionReportKind.Expired,
                OrderStatus.Canceled => ExecutionReportKind.Canceled,
                _ => ExecutionReportKind.Rejected,
            };
            Publish(new ExecutionReport(Name, request.ClientOrderId, kind, now, $"{st.GetString()} on {Name} at placement", orderId));
        }

        return PlaceOrderResult.Accepted(orderId);
    }

    public async ValueTask<CancelOrderResult> CancelOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        var answer = await SignedReadAsync(HttpMethod.Delete, "api/v3/order", [new("symbol", symbol), new("origClientOrderId", clientOrderId)], cancellationToken).ConfigureAwait(false);
        if (answer.IsSuccess)
        {
            return new CancelOrderResult(CancelOrderOutcome.Canceled, null);
        }

        var (code, message) = ErrorOf(answer);
        if (!IsUnknownOrder(code))
        {
            throw new VenueUnavailableException($"{Name} refused to cancel {clientOrderId}: {code} {message}", mayHaveReachedVenue: false);
        }

        var order = await QueryOrderAsync(symbol, clientOrderId, cancellationToken).ConfigureAwait(false);
        return order is null
            ? new CancelOrderResult(CancelOrderOutcome.NotFound, $"{code}: {message}")
            : new CancelOrderResult(CancelOrderOutcome.AlreadyClosed, $"{order.Status} on {Name}");
    }

    public async ValueTask<VenueOrder?> QueryOrderAsync(string symbol, string clientOrderId, CancellationToken cancellationToken = default)
    {
        var answer = await SignedReadAsync(HttpMethod.Get, "api/v3/order", [new("symbol", symbol), new("origClientOrderId", clientOrderId)], cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess)
        {
            var (code, message) = ErrorOf(answer);
            if (IsUnknownOrder(code))
            {
                return null;
            }

            throw new VenueUnavailableException($"{Name} order query failed: {code} {message}", mayHaveReachedVenue: false);
        }

        using var doc = Parse(answer, "GET /api/v3/order");
        var order = ParseOrder(doc.RootElement);
        if (order.IsOpenOn())
        {
            RememberSymbol(symbol);
        }

        return order;
    }

    public async ValueTask<IReadOnlyList<VenueOrder>> GetOpenOrdersAsync(string? symbol, CancellationToken cancellationToken = default)
    {
        var answer = await SignedReadAsync(HttpMethod.Get, "api/v3/openOrders", symbol is null ? [] : [new("symbol", symbol)], cancellationToken).ConfigureAwait(false);
        EnsureSuccess(answer, "GET /api/v3/openOrders");
        using var doc = Parse(answer, "GET /api/v3/openOrders");
        return doc.RootElement.EnumerateArray().Select(ParseOrder).ToList();
    }

    public async ValueTask<IReadOnlyList<AssetBalance>> GetBalancesAsync(CancellationToken cancellationToken = default)
    {
        var answer = await SignedReadAsync(HttpMethod.Get, "api/v3/account", [], cancellationToken).ConfigureAwait(false);
        EnsureSuccess(answer, "GET /api/v3/account");
        using var doc = Parse(answer, "GET /api/v3/account");
        return doc.RootElement.GetProperty("balances").EnumerateArray()
            .Select(b => new AssetBalance(b.GetProperty("asset").GetString() ?? string.Empty, DecimalOf(b.GetProperty("free")), DecimalOf(b.GetProperty("locked"))))
            .Where(b => b.Total != 0m)
            .ToList();
    }

    /// <summary>
    /// Own trades from GET /api/v3/myTrades in windows of at most 24 hours (the venue's limit), paged by time. Each
    /// trade's client order id comes from the trade (MEXC), from the orders this client has seen, or from a lookup of
    /// the order by its venue id.
    /// </summary>
    public async ValueTask<IReadOnlyList<Fill>> GetFillsAsync(string symbol, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        var fills = new List<Fill>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var nowMs = _signer.ServerNowMs();
        var cursor = Math.Max(0, since.ToUnixTimeMilliseconds());
        while (cursor <= nowMs)
        {
            var end = Math.Min(cursor + (long)TimeSpan.FromHours(24).TotalMilliseconds - 1, nowMs);
            var query = new List<KeyValuePair<string, string>> { new("symbol", symbol), new("startTime", cursor.ToString(CultureInfo.InvariantCulture)) };
            if (end < nowMs)
            {
                // The last window stays open-ended: our estimate of the venue's clock can lag by a few milliseconds,
                // and a cut at "now" would hide a trade that has just happened.
                query.Add(new("endTime", end.ToString(CultureInfo.InvariantCulture)));
            }

            query.Add(new("limit", MyTradesLimit.ToString(CultureInfo.InvariantCulture)));
            var answer = await SignedReadAsync(HttpMethod.Get, "api/v3/myTrades", query, cancellationToken).ConfigureAwait(false);
            EnsureSuccess(answer, "GET /api/v3/myTrades");
            var page = new List<(JsonElement Trade, long Time)>();
            using var doc = Parse(answer, "GET /api/v3/myTrades");
            foreach (var t in doc.RootElement.EnumerateArray())
            {
                page.Add((t, LongOf(t.GetProperty("time"))));
            }

            foreach (var (t, _) in page)
            {
                var fill = await ToFillAsync(symbol, t, cancellationToken).ConfigureAwait(false);
                if (fill is not null && seen.Add(fill.TradeId))
                {
                    fills.Add(fill);
                }
            }

            if (page.Count >= MyTradesLimit)
            {
                var last = page.Max(p => p.Time);
                cursor = last > cursor ? last : cursor + 1;
            }
            else
            {
                cursor = end + 1;
            }
        }

        return fills.OrderBy(f => f.Time).ToList();
    }

    public IDisposable Subscribe(Action<ExecutionReport> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_subscribersLock)
        {
            _subscribers = [.. _subscribers, handler];
        }

        EnsureStarted();
        return new Subscription(this, handler);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    /// <summary>Largest page of GET /api/v3/myTrades (Binance 1000, MEXC 100).</summary>
    protected abstract int MyTradesLimit { get; }

    /// <summary>Why the venue cannot take this order, or null.</summary>
    protected virtual string? OrderTypeProblem(VenueOrderRequest request) => null;

    /// <summary>POST /api/v3/order parameters (signature added by the caller).</summary>
    protected abstract IReadOnlyList<KeyValuePair<string, string>> OrderParameters(VenueOrderRequest request);

    protected abstract SymbolRules ParseSymbolRules(JsonElement symbol);

    /// <summary>The error code of "order does not exist" / "unknown order" answers.</summary>
    protected abstract bool IsUnknownOrder(int code);

    protected abstract bool IsDuplicateClientOrderId(int code, string message);

    /// <summary>Starts background work (user data stream, polling) once the first subscriber or order exists.</summary>
    protected virtual void Start()
    {
    }

    /// <summary>The venue took this order (the MEXC poller follows it until it is closed).</summary>
    protected virtual void OnOrderAccepted(string symbol, string clientOrderId)
    {
    }

    /// <summary>A symbol with orders of ours that may still fill (the MEXC poller watches these).</summary>
    protected virtual void RememberSymbol(string symbol)
    {
    }

    protected void Publish(ExecutionReport report)
    {
        foreach (var handler in Volatile.Read(ref _subscribers))
        {
            try
            {
                handler(report);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                VenueLog.HandlerFailed(Logger, Name, report.ClientOrderId, ex);
            }
        }
    }

    /// <summary>Trade ids are unique per symbol on Binance; the symbol makes them unique per venue.</summary>
    protected static string TradeIdOf(string symbol, string tradeId) => symbol + ":" + tradeId;

    protected void Remember(string symbol, string orderId, string clientOrderId)
    {
        if (_clientIdByOrderId.TryAdd(symbol + ":" + orderId, clientOrderId))
        {
            _orderIdOrder.Enqueue(symbol + ":" + orderId);
            while (_orderIdOrder.Count > MaxRememberedOrderIds && _orderIdOrder.TryDequeue(out var old))
            {
                _clientIdByOrderId.TryRemove(old, out _);
            }
        }
    }

    /// <summary>A signed request for reads and cancels: retried on transient errors, failures as <see cref="VenueUnavailableException"/>.</summary>
    protected async Task<RestAnswer> SignedReadAsync(HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        try
        {
            return await SignedAsync(method, path, parameters, retryTransient: true, cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeRateLimitedException ex)
        {
            throw new VenueUnavailableException($"{Name} rate limit: {ex.Message}", mayHaveReachedVenue: false, RetryAfterOf(ex), ex);
        }
        catch (ExchangeApiException ex)
        {
            throw new VenueUnavailableException($"{Name} {method} /{path} failed: {ex.Message}", mayHaveReachedVenue: false, null, ex);
        }
    }

    private async Task<RestAnswer> ReadAsync(Func<HttpRequestMessage> create, string what, CancellationToken cancellationToken)
    {
        try
        {
            return await _gate.SendAsync(_http, create, true, cancellationToken).ConfigureAwait(false);
        }
        catch (ExchangeRateLimitedException ex)
        {
            throw new VenueUnavailableException($"{Name} rate limit ({what}): {ex.Message}", mayHaveReachedVenue: false, RetryAfterOf(ex), ex);
        }
        catch (ExchangeApiException ex)
        {
            throw new VenueUnavailableException($"{Name} {what} failed: {ex.Message}", mayHaveReachedVenue: false, null, ex);
        }
    }

    private async Task<RestAnswer> SignedAsync(HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>> parameters, bool retryTransient, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _timeSynced) == 0)
        {
            await SyncServerTimeAsync(cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            var answer = await _gate.SendAsync(_http, () => SignedRequest(method, path, parameters), retryTransient, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess && attempt == 1 && ErrorOf(answer).Code == TimestampOutsideRecvWindow)
            {
                // The clocks drifted apart: measure again and re-sign once (the request was refused, nothing happened).
                await SyncServerTimeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            return answer;
        }
    }

    private HttpRequestMessage SignedRequest(HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var request = new HttpRequestMessage(method, path + "?" + _signer.SignedQuery(parameters));
        request.Headers.TryAddWithoutValidation(_apiKeyHeader, _signer.ApiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    private async Task<Fill?> ToFillAsync(string symbol, JsonElement t, CancellationToken cancellationToken)
    {
        var orderId = IdOf(t.GetProperty("orderId"));
        string? clientOrderId = null;
        if (t.TryGetProperty("clientOrderId", out var c) && c.ValueKind == JsonValueKind.String && !string.IsNullOrEmpty(c.GetString()))
        {
            clientOrderId = c.GetString();
        }

        if (clientOrderId is null && !_clientIdByOrderId.TryGetValue(symbol + ":" + orderId, out clientOrderId))
        {
            var answer = await SignedReadAsync(HttpMethod.Get, "api/v3/order", [new("symbol", symbol), new("orderId", orderId)], cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                return null;
            }

            using var doc = Parse(answer, "GET /api/v3/order");
            clientOrderId = doc.RootElement.GetProperty("clientOrderId").GetString();
            if (string.IsNullOrEmpty(clientOrderId))
            {
                return null;
            }

            Remember(symbol, orderId, clientOrderId);
        }

        return new Fill(
            Name,
            TradeIdOf(symbol, IdOf(t.GetProperty("id"))),
            clientOrderId,
            symbol,
            t.GetProperty("isBuyer").GetBoolean() ? OrderSide.Buy : OrderSide.Sell,
            DecimalOf(t.GetProperty("qty")),
            DecimalOf(t.GetProperty("price")),
            DecimalOf(t.GetProperty("commission")),
            t.GetProperty("commissionAsset").GetString() ?? string.Empty,
            t.TryGetProperty("isMaker", out var m) && m.ValueKind == JsonValueKind.True,
            DateTimeOffset.FromUnixTimeMilliseconds(LongOf(t.GetProperty("time"))));
    }

    private VenueOrder ParseOrder(JsonElement o)
    {
        var symbol = o.GetProperty("symbol").GetString() ?? string.Empty;
        var clientOrderId = o.GetProperty("clientOrderId").GetString() ?? string.Empty;
        var orderId = IdOf(o.GetProperty("orderId"));
        Remember(symbol, orderId, clientOrderId);
        var stop = o.TryGetProperty("stopPrice", out var sp) ? DecimalOf(sp) : 0m;
        var price = o.TryGetProperty("price", out var p) ? DecimalOf(p) : 0m;
        return new VenueOrder(
            clientOrderId,
            orderId,
            symbol,
            o.GetProperty("side").GetString() == "BUY" ? OrderSide.Buy : OrderSide.Sell,
            MapType(o.GetProperty("type").GetString()),
            DecimalOf(o.GetProperty("origQty")),
            price == 0m ? null : price,
            stop == 0m ? null : stop,
            MapStatus(o.GetProperty("status").GetString()),
            DecimalOf(o.GetProperty("executedQty")),
            TimeOf(o, "updateTime") ?? TimeOf(o, "time") ?? Time.GetUtcNow());
    }

    private void EnsureStarted()
    {
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            Start();
        }
    }

    private TimeSpan RetryAfterOf(ExchangeRateLimitedException ex)
    {
        var wait = ex.RetryAt - Time.GetUtcNow();
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private void EnsureSuccess(RestAnswer answer, string what)
    {
        if (!answer.IsSuccess)
        {
            var (code, message) = ErrorOf(answer);
            throw new VenueUnavailableException($"{Name} {what} answered {(int)answer.Status}: {code} {message}", mayHaveReachedVenue: false);
        }
    }

    private JsonDocument Parse(RestAnswer answer, string what)
    {
        try
        {
            return JsonDocument.Parse(answer.Body);
        }
        catch (JsonException ex)
        {
            throw new VenueUnavailableException($"{Name} {what}: the answer is not JSON", false, null, ex);
        }
    }

    /// <summary>The venue's {"code":..,"msg":..} error body; code 0 when the body has none.</summary>
    protected static (int Code, string Message) ErrorOf(RestAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        try
        {
            using var doc = JsonDocument.Parse(answer.Body);
            var code = doc.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n
                : c.ValueKind == JsonValueKind.String && int.TryParse(c.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
            var msg = doc.RootElement.TryGetProperty("msg", out var m) ? m.GetString() ?? string.Empty : string.Empty;
            return (code, msg);
        }
        catch (JsonException)
        {
            return (0, $"HTTP {(int)answer.Status}");
        }
    }

    protected static OrderStatus MapStatus(string? status) => status switch
    {
        "NEW" => OrderStatus.Accepted,
        "PARTIALLY_FILLED" => OrderStatus.PartiallyFilled,
        "FILLED" => OrderStatus.Filled,
        "CANCELED" or "PENDING_CANCEL" or "PARTIALLY_CANCELED" => OrderStatus.Canceled,
        "REJECTED" => OrderStatus.Rejected,
        "EXPIRED" or "EXPIRED_IN_MATCH" => OrderStatus.Expired,
        _ => OrderStatus.Accepted,
    };

    protected static OrderType MapType(string? type) => type switch
    {
        "MARKET" => OrderType.Market,
        "STOP_LOSS" or "TAKE_PROFIT" => OrderType.StopMarket,
        "STOP_LOSS_LIMIT" or "TAKE_PROFIT_LIMIT" => OrderType.StopLimit,
        _ => OrderType.Limit,
    };

    protected static string SideOf(OrderSide side) => side == OrderSide.Buy ? "BUY" : "SELL";

    /// <summary>Plain decimal text without exponent or trailing zeros, as the venues expect.</summary>
    protected static string Text(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    protected static decimal DecimalOf(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => decimal.Parse(e.GetString()!, NumberStyles.Float, CultureInfo.InvariantCulture),
        JsonValueKind.Number => e.GetDecimal(),
        _ => 0m,
    };

    protected static long LongOf(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? long.Parse(e.GetString()!, NumberStyles.Integer, CultureInfo.InvariantCulture) : e.GetInt64();

    /// <summary>Order and trade ids: numbers on Binance, strings on MEXC.</summary>
    protected static string IdOf(JsonElement e) => e.ValueKind == JsonValueKind.String ? e.GetString() ?? string.Empty : e.GetRawText();

    protected static DateTimeOffset? TimeOf(JsonElement e, string property) =>
        e.TryGetProperty(property, out var t) && t.ValueKind is JsonValueKind.Number or JsonValueKind.String
            ? DateTimeOffset.FromUnixTimeMilliseconds(LongOf(t))
            : null;

    private void Unsubscribe(Action<ExecutionReport> handler)
    {
        lock (_subscribersLock)
        {
            _subscribers = _subscribers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Subscription(SignedSpotTradingClient owner, Action<ExecutionReport> handler) : IDisposable
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
}

internal static class VenueOrderExtensions
{
    public static bool IsOpenOn(this VenueOrder order) => order.Status.IsOpen();
}
