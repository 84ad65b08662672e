using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TradingDashboard.Tests.Exchanges.Trading;

/// <summary>How one venue's signed spot API differs from the other's (Binance or MEXC v3).</summary>
public sealed record FakeSpotDialect(string Name, string ApiKeyHeader, bool StringIds, bool ClientOrderIdInTrades, bool FullPlacementAnswer, bool BinanceFilters);

/// <summary>An order as the fake venue holds it.</summary>
public sealed class FakeVenueOrder
{
    public required string ClientOrderId { get; init; }

    public required long OrderId { get; init; }

    public required string Symbol { get; init; }

    public required string Side { get; init; }

    public required string Type { get; init; }

    public required decimal Quantity { get; init; }

    public decimal Price { get; init; }

    public decimal StopPrice { get; init; }

    public string TimeInForce { get; init; } = "GTC";

    public decimal Executed { get; set; }

    public decimal QuoteExecuted { get; set; }

    public string Status { get; set; } = "NEW";

    public long Time { get; init; }

    public long UpdateTime { get; set; }

    public bool IsOpen => Status is "NEW" or "PARTIALLY_FILLED";
}

public sealed record FakeVenueTrade(long Id, long OrderId, string ClientOrderId, string Symbol, bool IsBuyer, decimal Quantity, decimal Price, decimal Commission, string CommissionAsset, bool IsMaker, long Time);

/// <summary>A request the fake received: method, path, and the venue clock when it arrived.</summary>
public sealed record FakeVenueRequest(string Method, string Path, long ArrivedAtMs);

/// <summary>
/// Loopback (Kestrel on 127.0.0.1, random port) Binance-style signed spot API shared by the Binance and MEXC fakes.
/// It verifies every signed request as the venue does: recomputes HMAC-SHA256 over the query string with the test
/// secret (mismatch: 401 code -1022), checks the API key header, and checks timestamp against its own clock and
/// recvWindow (-1021). It keeps orders, trades and balances (one market price, quote-asset fees), refuses duplicates
/// (-2010 "Duplicate order sent."), insufficient balance (-2010) and filter failures (-1013), and can be scripted: a
/// placement that is accepted and then never answered, 429/418 answers with Retry-After, fills (partial, pushed twice)
/// and venue-side cancels. Binance's WebSocket API user data stream (userDataStream.subscribe.signature) is served at
/// /ws-api/v3.
/// </summary>
public class FakeSpotVenue : IAsyncDisposable
{
    public const string ApiKey = "fake-api-key-7Qx2";
    public const string ApiSecret = "fake-secret-Zz91-never-log-me";

    private readonly WebApplication _app;
    private readonly Lock _lock = new();
    private readonly List<FakeVenueOrder> _orders = [];
    private readonly List<FakeVenueTrade> _trades = [];
    private readonly Dictionary<string, decimal> _balances = new(StringComparer.Ordinal);
    private readonly List<FakeVenueRequest> _requests = [];
    private readonly ConcurrentQueue<(string Path, int Status, int? RetryAfter)> _scripted = new();
    private readonly List<(WebSocket Socket, SemaphoreSlim SendLock, TaskCompletionSource Done)> _streams = [];
    private long _nextOrderId = 1000;
    private long _nextTradeId = 5000;
    private int _signatureFailures;
    private int _timestampFailures;
    private int _placementRequests;
    private int _streamSubscriptions;

    protected FakeSpotVenue(WebApplication app, FakeSpotDialect dialect)
    {
        _app = app;
        Dialect = dialect;
        _balances["USDT"] = 10_000m;
        _balances["ETH"] = 0m;
    }

    public FakeSpotDialect Dialect { get; }

    public string RestBaseUrl { get; private set; } = string.Empty;

    public string WebSocketApiUrl { get; private set; } = string.Empty;

    /// <summary>The venue's clock: <see cref="Clock"/> plus <see cref="ClockOffsetMs"/>.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    public long ClockOffsetMs { get; set; }

    public decimal MarketPrice { get; set; } = 2000m;

    public decimal MinNotional { get; set; } = 10m;

    public decimal FeeRate { get; set; } = 0.001m;

    /// <summary>The next placement is accepted (the order exists) but its answer never comes.</summary>
    public bool HangNextPlacement { get; set; }

    public int SignatureFailures => Volatile.Read(ref _signatureFailures);

    public int TimestampFailures => Volatile.Read(ref _timestampFailures);

    public int PlacementRequests => Volatile.Read(ref _placementRequests);

    public int StreamSubscriptions => Volatile.Read(ref _streamSubscriptions);

    public long NowMs => Clock.GetUtcNow().ToUnixTimeMilliseconds() + ClockOffsetMs;

    public IReadOnlyList<FakeVenueOrder> Orders
    {
        get
        {
            lock (_lock)
            {
                return _orders.ToList();
            }
        }
    }

    public IReadOnlyList<FakeVenueRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return _requests.ToList();
            }
        }
    }

    public decimal Balance(string asset)
    {
        lock (_lock)
        {
            return _balances.GetValueOrDefault(asset);
        }
    }

    public void SetBalance(string asset, decimal amount)
    {
        lock (_lock)
        {
            _balances[asset] = amount;
        }
    }

    /// <summary>The next request to <paramref name="path"/> gets this status (e.g. 429 with Retry-After seconds).</summary>
    public void ScriptNext(string path, int status, int? retryAfterSeconds) => _scripted.Enqueue((path, status, retryAfterSeconds));

    protected static async Task<T> StartAsync<T>(FakeSpotDialect dialect, Func<WebApplication, T> create)
        where T : FakeSpotVenue
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var venue = create(app);
        app.UseWebSockets();
        app.Use(venue.DispatchAsync);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        venue.RestBaseUrl = $"http://127.0.0.1:{address.Port}";
        venue.WebSocketApiUrl = $"ws://127.0.0.1:{address.Port}/ws-api/v3";
        return venue;
    }

    /// <summary>Fills <paramref name="quantity"/> of an open order at <paramref name="price"/> (default: its limit or the market price).</summary>
    /// <param name="pushTimes">How many times the stream pushes the TRADE report (2 = a duplicate message).</param>
    public FakeVenueTrade Fill(string clientOrderId, decimal quantity, decimal? price = null, int pushTimes = 1, bool isMaker = true)
    {
        FakeVenueTrade trade;
        FakeVenueOrder order;
        lock (_lock)
        {
            order = _orders.Single(o => o.ClientOrderId == clientOrderId);
            if (!order.IsOpen || order.Executed + quantity > order.Quantity)
            {
                throw new InvalidOperationException($"Cannot fill {quantity} of {clientOrderId} ({order.Status}, {order.Executed}/{order.Quantity}).");
            }

            trade = ApplyTradeLocked(order, quantity, price ?? (order.Price > 0 ? order.Price : MarketPrice), isMaker);
        }

        for (var i = 0; i < pushTimes; i++)
        {
            Push(ExecutionReportJson(order, "TRADE", trade));
        }

        return trade;
    }

    /// <summary>The venue cancels an open order by itself (e.g. expiry, self-trade prevention, manual cancel elsewhere).</summary>
    public void CancelOnVenue(string clientOrderId)
    {
        FakeVenueOrder order;
        lock (_lock)
        {
            order = _orders.Single(o => o.ClientOrderId == clientOrderId);
            order.Status = "CANCELED";
            order.UpdateTime = NowMs;
        }

        Push(ExecutionReportJson(order, "CANCELED", null));
    }

    /// <summary>Closes every user data stream connection (the client must reconnect and catch up).</summary>
    public async Task DropStreamsAsync()
    {
        List<(WebSocket Socket, SemaphoreSlim SendLock, TaskCompletionSource Done)> streams;
        lock (_lock)
        {
            streams = [.. _streams];
            _streams.Clear();
        }

        foreach (var (socket, _, done) in streams)
        {
            socket.Abort();
            done.TrySetResult();
        }

        await Task.Yield();
    }

    public async ValueTask DisposeAsync()
    {
        await DropStreamsAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private async Task DispatchAsync(HttpContext ctx, RequestDelegate next)
    {
        var path = ctx.Request.Path.Value ?? string.Empty;
        lock (_lock)
        {
            _requests.Add(new FakeVenueRequest(ctx.Request.Method, path, NowMs));
        }

        if (path == "/ws-api/v3" && ctx.WebSockets.IsWebSocketRequest)
        {
            await HandleStreamAsync(ctx);
            return;
        }

        if (_scripted.TryPeek(out var scripted) && scripted.Path == path && _scripted.TryDequeue(out scripted))
        {
            if (scripted.RetryAfter is { } retryAfter)
            {
                ctx.Response.Headers["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await Reply(ctx, scripted.Status, new JsonObject { ["code"] = -1003, ["msg"] = "Too many requests." });
            return;
        }

        switch (ctx.Request.Method, path)
        {
            case ("GET", "/api/v3/time"):
                await Reply(ctx, 200, new JsonObject { ["serverTime"] = NowMs });
                return;
            case ("GET", "/api/v3/exchangeInfo"):
                await Reply(ctx, 200, ExchangeInfo(ctx.Request.Query["symbol"].ToString()));
                return;
        }

        if (!await VerifySignatureAsync(ctx))
        {
            return;
        }

        var q = ctx.Request.Query;
        switch (ctx.Request.Method, path)
        {
            case ("POST", "/api/v3/order"):
                await PlaceAsync(ctx);
                return;
            case ("GET", "/api/v3/order"):
                {
                    var order = Find(q["symbol"].ToString(), q["origClientOrderId"].ToString(), q["orderId"].ToString());
                    await (order is null
                        ? Reply(ctx, 400, Error(-2013, "Order does not exist."))
                        : Reply(ctx, 200, OrderJson(order)));
                    return;
                }

            case ("DELETE", "/api/v3/order"):
                {
                    FakeVenueOrder? order;
                    lock (_lock)
                    {
                        order = Find(q["symbol"].ToString(), q["origClientOrderId"].ToString(), null);
                        if (order is { IsOpen: true })
                        {
                            order.Status = "CANCELED";
                            order.UpdateTime = NowMs;
                        }
                        else
                        {
                            order = null;
                        }
                    }

                    if (order is null)
                    {
                        await Reply(ctx, 400, Error(-2011, "Unknown order sent."));
                        return;
                    }

                    Push(ExecutionReportJson(order, "CANCELED", null));
                    await Reply(ctx, 200, OrderJson(order));
                    return;
                }

            case ("GET", "/api/v3/openOrders"):
                {
                    var symbol = q["symbol"].ToString();
                    var open = Orders.Where(o => o.IsOpen && (symbol.Length == 0 || o.Symbol == symbol)).Select(OrderJson);
                    await Reply(ctx, 200, new JsonArray([.. open]));
                    return;
                }

            case ("GET", "/api/v3/account"):
                {
                    JsonArray balances;
                    lock (_lock)
                    {
                        balances = new JsonArray([.. _balances.Select(b => (JsonNode)new JsonObject { ["asset"] = b.Key, ["free"] = Text(b.Value), ["locked"] = "0" })]);
                    }

                    await Reply(ctx, 200, new JsonObject { ["balances"] = balances });
                    return;
                }

            case ("GET", "/api/v3/myTrades"):
                {
                    var symbol = q["symbol"].ToString();
                    var start = long.Parse(q["startTime"].ToString(), CultureInfo.InvariantCulture);
                    var end = q.ContainsKey("endTime") ? long.Parse(q["endTime"].ToString(), CultureInfo.InvariantCulture) : long.MaxValue;
                    var limit = int.Parse(q["limit"].ToString(), CultureInfo.InvariantCulture);
                    List<FakeVenueTrade> trades;
                    lock (_lock)
                    {
                        trades = _trades.Where(t => t.Symbol == symbol && t.Time >= start && t.Time <= end).OrderBy(t => t.Time).ThenBy(t => t.Id).Take(limit).ToList();
                    }

                    await Reply(ctx, 200, new JsonArray([.. trades.Select(TradeJson)]));
                    return;
                }
        }

        await Reply(ctx, 404, Error(-1, "not found"));
    }

    private async Task<bool> VerifySignatureAsync(HttpContext ctx)
    {
        var raw = ctx.Request.QueryString.Value is { Length: > 0 } qs ? qs[1..] : string.Empty;
        var at = raw.LastIndexOf("&signature=", StringComparison.Ordinal);
        var key = ctx.Request.Headers[Dialect.ApiKeyHeader].ToString();
        if (key != ApiKey)
        {
            Interlocked.Increment(ref _signatureFailures);
            await Reply(ctx, 401, Error(-2015, "Invalid API-key, IP, or permissions for action."));
            return false;
        }

        if (at < 0 || !string.Equals(raw[(at + "&signature=".Length)..], Hmac(raw[..at]), StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _signatureFailures);
            await Reply(ctx, 401, Error(-1022, "Signature for this request is not valid."));
            return false;
        }

        var timestamp = long.Parse(ctx.Request.Query["timestamp"].ToString(), CultureInfo.InvariantCulture);
        var window = ctx.Request.Query.ContainsKey("recvWindow") ? long.Parse(ctx.Request.Query["recvWindow"].ToString(), CultureInfo.InvariantCulture) : 5000;
        var now = NowMs;
        if (timestamp > now + 1000 || now - timestamp > window)
        {
            Interlocked.Increment(ref _timestampFailures);
            await Reply(ctx, 400, Error(-1021, "Timestamp for this request is outside of the recvWindow."));
            return false;
        }

        return true;
    }

    private async Task PlaceAsync(HttpContext ctx)
    {
        Interlocked.Increment(ref _placementRequests);
        var q = ctx.Request.Query;
        var symbol = q["symbol"].ToString();
        var side = q["side"].ToString();
        var type = q["type"].ToString();
        var quantity = decimal.Parse(q["quantity"].ToString(), CultureInfo.InvariantCulture);
        var price = q.ContainsKey("price") ? decimal.Parse(q["price"].ToString(), CultureInfo.InvariantCulture) : 0m;
        var stop = q.ContainsKey("stopPrice") ? decimal.Parse(q["stopPrice"].ToString(), CultureInfo.InvariantCulture) : 0m;
        var clientOrderId = q["newClientOrderId"].ToString();
        FakeVenueOrder order;
        FakeVenueTrade? trade = null;
        JsonObject? refusal;
        lock (_lock)
        {
            refusal = Refusal(clientOrderId, side, quantity, price);
            if (refusal is null)
            {
                order = new FakeVenueOrder
                {
                    ClientOrderId = clientOrderId,
                    OrderId = ++_nextOrderId,
                    Symbol = symbol,
                    Side = side,
                    Type = type,
                    Quantity = quantity,
                    Price = price,
                    StopPrice = stop,
                    TimeInForce = q.ContainsKey("timeInForce") ? q["timeInForce"].ToString() : "GTC",
                    Time = NowMs,
                    UpdateTime = NowMs,
                };
                _orders.Add(order);
                if (type == "MARKET")
                {
                    trade = ApplyTradeLocked(order, quantity, MarketPrice, isMaker: false);
                }
            }
            else
            {
                order = null!;
            }
        }

        if (refusal is not null)
        {
            await Reply(ctx, 400, refusal);
            return;
        }

        Push(ExecutionReportJson(order, "NEW", null));
        if (trade is not null)
        {
            Push(ExecutionReportJson(order, "TRADE", trade));
        }

        if (HangNextPlacement)
        {
            HangNextPlacement = false;
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }

            return;
        }

        var answer = new JsonObject
        {
            ["symbol"] = symbol,
            ["orderId"] = Id(order.OrderId),
            ["orderListId"] = -1,
            ["price"] = Text(order.Price),
            ["origQty"] = Text(order.Quantity),
            ["type"] = type,
            ["side"] = side,
            ["transactTime"] = order.Time,
        };
        if (Dialect.FullPlacementAnswer)
        {
            answer["clientOrderId"] = clientOrderId;
            answer["executedQty"] = Text(order.Executed);
            answer["status"] = order.Status;
            answer["fills"] = new JsonArray(trade is null ? [] : [new JsonObject
            {
                ["price"] = Text(trade.Price),
                ["qty"] = Text(trade.Quantity),
                ["commission"] = Text(trade.Commission),
                ["commissionAsset"] = trade.CommissionAsset,
                ["tradeId"] = trade.Id,
            }]);
        }

        await Reply(ctx, 200, answer);
    }

    private JsonObject? Refusal(string clientOrderId, string side, decimal quantity, decimal price)
    {
        if (_orders.Any(o => o.ClientOrderId == clientOrderId))
        {
            return Error(-2010, "Duplicate order sent.");
        }

        var refPrice = price > 0 ? price : MarketPrice;
        if (quantity * refPrice < MinNotional)
        {
            return Error(-1013, "Filter failure: NOTIONAL");
        }

        var reservedQuote = _orders.Where(o => o.IsOpen && o.Side == "BUY").Sum(o => (o.Quantity - o.Executed) * (o.Price > 0 ? o.Price : MarketPrice));
        var reservedBase = _orders.Where(o => o.IsOpen && o.Side == "SELL").Sum(o => o.Quantity - o.Executed);
        var enough = side == "BUY"
            ? quantity * refPrice * (1 + FeeRate) <= _balances.GetValueOrDefault("USDT") - reservedQuote
            : quantity <= _balances.GetValueOrDefault("ETH") - reservedBase;
        return enough ? null : Error(-2010, "Account has insufficient balance for requested action.");
    }

    private FakeVenueTrade ApplyTradeLocked(FakeVenueOrder order, decimal quantity, decimal price, bool isMaker)
    {
        var buy = order.Side == "BUY";
        var fee = Math.Round(quantity * price * FeeRate, 8);
        var trade = new FakeVenueTrade(++_nextTradeId, order.OrderId, order.ClientOrderId, order.Symbol, buy, quantity, price, fee, "USDT", isMaker, NowMs);
        _trades.Add(trade);
        order.Executed += quantity;
        order.QuoteExecuted += quantity * price;
        order.Status = order.Executed == order.Quantity ? "FILLED" : "PARTIALLY_FILLED";
        order.UpdateTime = trade.Time;
        _balances["USDT"] = _balances.GetValueOrDefault("USDT") + (buy ? -(quantity * price) - fee : quantity * price - fee);
        _balances["ETH"] = _balances.GetValueOrDefault("ETH") + (buy ? quantity : -quantity);
        return trade;
    }

    private FakeVenueOrder? Find(string symbol, string clientOrderId, string? orderId)
    {
        lock (_lock)
        {
            return _orders.FirstOrDefault(o => o.Symbol == symbol
                && (clientOrderId.Length > 0 ? o.ClientOrderId == clientOrderId : o.OrderId.ToString(CultureInfo.InvariantCulture) == orderId));
        }
    }

    private JsonObject ExchangeInfo(string symbol) => new()
    {
        ["serverTime"] = NowMs,
        ["symbols"] = new JsonArray(Dialect.BinanceFilters
            ? new JsonObject
            {
                ["symbol"] = symbol,
                ["baseAsset"] = "ETH",
                ["quoteAsset"] = "USDT",
                ["filters"] = new JsonArray(
                    new JsonObject { ["filterType"] = "PRICE_FILTER", ["minPrice"] = "0.01000000", ["maxPrice"] = "1000000.00000000", ["tickSize"] = "0.01000000" },
                    new JsonObject { ["filterType"] = "LOT_SIZE", ["minQty"] = "0.00010000", ["maxQty"] = "9000.00000000", ["stepSize"] = "0.00010000" },
                    new JsonObject { ["filterType"] = "NOTIONAL", ["minNotional"] = Text(MinNotional), ["applyMinToMarket"] = true, ["maxNotional"] = "9000000.00000000", ["avgPriceMins"] = 5 },
                    new JsonObject { ["filterType"] = "PERCENT_PRICE_BY_SIDE", ["bidMultiplierUp"] = "5", ["bidMultiplierDown"] = "0.2", ["askMultiplierUp"] = "5", ["askMultiplierDown"] = "0.2", ["avgPriceMins"] = 5 }),
            }
            : new JsonObject
            {
                ["symbol"] = symbol,
                ["status"] = "1",
                ["baseAsset"] = "ETH",
                ["baseAssetPrecision"] = 4,
                ["quoteAsset"] = "USDT",
                ["quotePrecision"] = 2,
                ["quoteAssetPrecision"] = 2,
                ["quoteAmountPrecision"] = Text(MinNotional),
                ["baseSizePrecision"] = "0.0001",
                ["filters"] = new JsonArray(),
                ["maxQuoteAmount"] = "2000000",
            }),
    };

    private JsonNode Id(long id) => Dialect.StringIds ? JsonValue.Create("C02__" + id.ToString(CultureInfo.InvariantCulture)) : JsonValue.Create(id);

    private JsonObject OrderJson(FakeVenueOrder o) => new()
    {
        ["symbol"] = o.Symbol,
        ["orderId"] = Id(o.OrderId),
        ["orderListId"] = -1,
        ["clientOrderId"] = o.ClientOrderId,
        ["price"] = Text(o.Price),
        ["origQty"] = Text(o.Quantity),
        ["executedQty"] = Text(o.Executed),
        ["cummulativeQuoteQty"] = Text(o.QuoteExecuted),
        ["status"] = o.Status,
        ["timeInForce"] = o.TimeInForce,
        ["type"] = o.Type,
        ["side"] = o.Side,
        ["stopPrice"] = Text(o.StopPrice),
        ["time"] = o.Time,
        ["updateTime"] = o.UpdateTime,
        ["isWorking"] = true,
    };

    private JsonObject TradeJson(FakeVenueTrade t)
    {
        var json = new JsonObject
        {
            ["symbol"] = t.Symbol,
            ["id"] = Dialect.StringIds ? JsonValue.Create("t" + t.Id.ToString(CultureInfo.InvariantCulture)) : JsonValue.Create(t.Id),
            ["orderId"] = Id(t.OrderId),
            ["orderListId"] = -1,
            ["price"] = Text(t.Price),
            ["qty"] = Text(t.Quantity),
            ["quoteQty"] = Text(t.Quantity * t.Price),
            ["commission"] = Text(t.Commission),
            ["commissionAsset"] = t.CommissionAsset,
            ["time"] = t.Time,
            ["isBuyer"] = t.IsBuyer,
            ["isMaker"] = t.IsMaker,
            ["isBestMatch"] = true,
        };
        if (Dialect.ClientOrderIdInTrades)
        {
            json["clientOrderId"] = t.ClientOrderId;
        }

        return json;
    }

    private static JsonObject ExecutionReportJson(FakeVenueOrder o, string executionType, FakeVenueTrade? t) => new()
    {
        ["e"] = "executionReport",
        ["E"] = t?.Time ?? o.UpdateTime,
        ["s"] = o.Symbol,
        ["c"] = o.ClientOrderId,
        ["S"] = o.Side,
        ["o"] = o.Type,
        ["f"] = o.TimeInForce,
        ["q"] = Text(o.Quantity),
        ["p"] = Text(o.Price),
        ["P"] = Text(o.StopPrice),
        ["C"] = string.Empty,
        ["x"] = executionType,
        ["X"] = o.Status,
        ["r"] = "NONE",
        ["i"] = o.OrderId,
        ["l"] = Text(t?.Quantity ?? 0m),
        ["z"] = Text(o.Executed),
        ["L"] = Text(t?.Price ?? 0m),
        ["n"] = Text(t?.Commission ?? 0m),
        ["N"] = t?.CommissionAsset,
        ["T"] = t?.Time ?? o.UpdateTime,
        ["t"] = t?.Id ?? -1,
        ["m"] = t?.IsMaker ?? false,
    };

    private void Push(JsonObject executionReport)
    {
        List<(WebSocket Socket, SemaphoreSlim SendLock, TaskCompletionSource Done)> streams;
        lock (_lock)
        {
            streams = [.. _streams];
        }

        var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["subscriptionId"] = 0, ["event"] = executionReport.DeepClone() }.ToJsonString());
        foreach (var (socket, sendLock, _) in streams)
        {
            sendLock.Wait();
            try
            {
                socket.SendAsync(bytes, WebSocketMessageType.Text, true, CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                sendLock.Release();
            }
        }
    }

    private async Task HandleStreamAsync(HttpContext ctx)
    {
        using var socket = await ctx.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[8192];
        var result = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
        using var doc = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
        var root = doc.RootElement;
        var p = root.GetProperty("params");
        var payload = $"apiKey={p.GetProperty("apiKey").GetString()}&timestamp={p.GetProperty("timestamp").GetRawText()}";
        var ok = root.GetProperty("method").GetString() == "userDataStream.subscribe.signature"
            && p.GetProperty("apiKey").GetString() == ApiKey
            && p.GetProperty("signature").GetString() == Hmac(payload);
        var answer = ok
            ? new JsonObject { ["id"] = root.GetProperty("id").GetString(), ["status"] = 200, ["result"] = new JsonObject { ["subscriptionId"] = 0 } }
            : new JsonObject { ["id"] = root.GetProperty("id").GetString(), ["status"] = 401, ["error"] = new JsonObject { ["code"] = -1022, ["msg"] = "Signature for this request is not valid." } };
        if (!ok)
        {
            Interlocked.Increment(ref _signatureFailures);
        }

        var sendLock = new SemaphoreSlim(1, 1);
        await socket.SendAsync(Encoding.UTF8.GetBytes(answer.ToJsonString()), WebSocketMessageType.Text, true, ctx.RequestAborted);
        if (!ok)
        {
            return;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _streams.Add((socket, sendLock, done));
        }

        Interlocked.Increment(ref _streamSubscriptions);
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var r = await socket.ReceiveAsync(buffer, ctx.RequestAborted);
                if (r.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            lock (_lock)
            {
                _streams.RemoveAll(s => s.Socket == socket);
            }
        }
    }

    private static string Hmac(string payload) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(ApiSecret), Encoding.UTF8.GetBytes(payload)));

    private static JsonObject Error(int code, string msg) => new() { ["code"] = code, ["msg"] = msg };

    private static string Text(decimal value) => value.ToString("0.########", CultureInfo.InvariantCulture);

    private static Task Reply(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        return ctx.Response.WriteAsync(body.ToJsonString());
    }
}
