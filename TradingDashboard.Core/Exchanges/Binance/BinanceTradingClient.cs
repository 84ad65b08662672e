using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// Binance spot behind <see cref="IBrokerageApi"/> (venue name "Binance"): signed REST for orders, balances, own
/// trades and exchangeInfo filters (PRICE_FILTER, LOT_SIZE, NOTIONAL / MIN_NOTIONAL, PERCENT_PRICE(_BY_SIDE)); fills
/// and order updates pushed by the user data stream (<see cref="BinanceUserDataStream"/>), started with the first
/// subscriber when enabled; after a stream reconnect, missed fills are fetched from myTrades. Testnet by configuration.
/// </summary>
public sealed class BinanceTradingClient : SignedSpotTradingClient
{
    public const string VenueName = "Binance";

    private readonly BinanceTradingOptions _options;
    private readonly ExchangeClientSettings _settings;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _symbols = new(StringComparer.Ordinal);
    private readonly Lock _symbolsLock = new();
    private Task? _stream;

    public BinanceTradingClient(
        HttpClient http,
        BinanceTradingOptions options,
        TimeProvider timeProvider,
        ILogger<BinanceTradingClient> logger,
        ExchangeClientSettings? settings = null)
        : base(VenueName, http, (options ?? throw new ArgumentNullException(nameof(options))).Credentials(), options, "X-MBX-APIKEY", "X-MBX-USED-WEIGHT-1M", 6000, timeProvider, logger, settings)
    {
        _options = options;
        _settings = settings ?? ExchangeClientSettings.Default;
    }

    public override VenueCapabilities Capabilities { get; } = new(SupportsStopMarket: true, SupportsStopLimit: true, SupportsShortSelling: false);

    /// <summary>The running user data stream, or null (disabled, or nobody subscribed yet).</summary>
    public Task? UserDataStreamTask => _stream;

    protected override int MyTradesLimit => 1000;

    protected override void Start()
    {
        if (!_options.UserDataStream)
        {
            return;
        }

        var stream = new BinanceUserDataStream(
            new Uri(_options.ResolvedWebSocketUrl()), Signer, Publish, CatchUpAfterReconnectAsync, Time, Logger, _settings);
        var token = _stop.Token;
        _stream = Task.Run(async () =>
        {
            // The subscription is signed with a timestamp: measure the venue's clock first (failures are retried by
            // the gate; if it stays unreachable the stream's own reconnect loop takes over).
            try
            {
                await SyncServerTimeAsync(token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ExchangeApiException or ExchangeRateLimitedException or HttpRequestException or VenueUnavailableException)
            {
                VenueLog.PollFailed(Logger, Name, ex.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await stream.RunAsync(token).ConfigureAwait(false);
        });
    }

    protected override void RememberSymbol(string symbol)
    {
        lock (_symbolsLock)
        {
            _symbols.Add(symbol);
        }
    }

    protected override IReadOnlyList<KeyValuePair<string, string>> OrderParameters(VenueOrderRequest request)
    {
        var p = new List<KeyValuePair<string, string>>
        {
            new("symbol", request.Symbol),
            new("side", SideOf(request.Side)),
            new("type", request.Type switch
            {
                OrderType.Market => "MARKET",
                OrderType.Limit => "LIMIT",
                OrderType.StopMarket => "STOP_LOSS",
                _ => "STOP_LOSS_LIMIT",
            }),
        };
        if (request.Type is OrderType.Limit or OrderType.StopLimit)
        {
            p.Add(new("timeInForce", request.TimeInForce.ToString().ToUpperInvariant()));
        }

        p.Add(new("quantity", Text(request.Quantity)));
        if (request.LimitPrice is { } price && request.Type is OrderType.Limit or OrderType.StopLimit)
        {
            p.Add(new("price", Text(price)));
        }

        if (request.StopPrice is { } stop && request.Type is OrderType.StopMarket or OrderType.StopLimit)
        {
            p.Add(new("stopPrice", Text(stop)));
        }

        p.Add(new("newClientOrderId", request.ClientOrderId));
        p.Add(new("newOrderRespType", "FULL"));
        return p;
    }

    protected override bool IsUnknownOrder(int code) => code is -2013 or -2011;

    /// <summary>Binance answers a reused client order id with -2010 "Duplicate order sent.".</summary>
    protected override bool IsDuplicateClientOrderId(int code, string message) =>
        code == -2010 && message.Contains("Duplicate order", StringComparison.OrdinalIgnoreCase);

    protected override SymbolRules ParseSymbolRules(JsonElement s) => ParseFilters(s);

    /// <summary>exchangeInfo filters to <see cref="SymbolRules"/>.</summary>
    public static SymbolRules ParseFilters(JsonElement s)
    {
        decimal tick = 0, step = 0, minQty = 0, minNotional = 0;
        decimal? maxQty = null, maxNotional = null, minPrice = null, maxPrice = null, up = null, down = null;
        var applyToMarket = true;
        foreach (var f in s.GetProperty("filters").EnumerateArray())
        {
            switch (f.GetProperty("filterType").GetString())
            {
                case "PRICE_FILTER":
                    tick = DecimalOf(f.GetProperty("tickSize"));
                    minPrice = Positive(DecimalOf(f.GetProperty("minPrice")));
                    maxPrice = Positive(DecimalOf(f.GetProperty("maxPrice")));
                    break;
                case "LOT_SIZE":
                    step = DecimalOf(f.GetProperty("stepSize"));
                    minQty = DecimalOf(f.GetProperty("minQty"));
                    maxQty = Positive(DecimalOf(f.GetProperty("maxQty")));
                    break;
                case "NOTIONAL":
                    minNotional = DecimalOf(f.GetProperty("minNotional"));
                    maxNotional = f.TryGetProperty("maxNotional", out var mx) ? Positive(DecimalOf(mx)) : null;
                    applyToMarket = !f.TryGetProperty("applyMinToMarket", out var am) || am.ValueKind != JsonValueKind.False;
                    break;
                case "MIN_NOTIONAL":
                    minNotional = Math.Max(minNotional, DecimalOf(f.GetProperty("minNotional")));
                    applyToMarket = !f.TryGetProperty("applyToMarket", out var at) || at.ValueKind != JsonValueKind.False;
                    break;
                case "PERCENT_PRICE":
                    up = DecimalOf(f.GetProperty("multiplierUp"));
                    down = DecimalOf(f.GetProperty("multiplierDown"));
                    break;
                case "PERCENT_PRICE_BY_SIDE":
                    // One band for both sides: the narrower of the two, so no order the venue would refuse passes.
                    up = Math.Min(DecimalOf(f.GetProperty("bidMultiplierUp")), DecimalOf(f.GetProperty("askMultiplierUp")));
                    down = Math.Max(DecimalOf(f.GetProperty("bidMultiplierDown")), DecimalOf(f.GetProperty("askMultiplierDown")));
                    break;
            }
        }

        return new SymbolRules(
            s.GetProperty("symbol").GetString() ?? string.Empty,
            s.GetProperty("baseAsset").GetString() ?? string.Empty,
            s.GetProperty("quoteAsset").GetString() ?? string.Empty,
            tick,
            step,
            minQty,
            minNotional)
        {
            MaxQuantity = maxQty,
            MaxNotional = maxNotional,
            MinPrice = minPrice,
            MaxPrice = maxPrice,
            PriceBandUp = up > 1m ? up : null,
            PriceBandDown = down is > 0m and < 1m ? down : null,
            ApplyMinNotionalToMarket = applyToMarket,
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

    /// <summary>Fills that happened while the stream was down come from myTrades (the order manager drops the ones it has).</summary>
    private async Task CatchUpAfterReconnectAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        string[] symbols;
        lock (_symbolsLock)
        {
            symbols = [.. _symbols];
        }

        foreach (var symbol in symbols)
        {
            foreach (var fill in await GetFillsAsync(symbol, since, cancellationToken).ConfigureAwait(false))
            {
                Publish(new ExecutionReport(Name, fill.ClientOrderId, ExecutionReportKind.Fill, fill.Time, "fill recovered after stream reconnect", null, fill));
            }
        }
    }

    private static decimal? Positive(decimal value) => value > 0m ? value : null;
}
