using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>
/// Binance spot public REST: GET /api/v3/klines, paged for history. Every request goes through a
/// <see cref="RestRequestGate"/> that honours X-MBX-USED-WEIGHT-1M (6000 per minute), 429/418 and Retry-After.
/// </summary>
public sealed class BinanceRestClient
{
    /// <summary>Most klines Binance returns per request.</summary>
    public const int MaxKlinesPerRequest = 1000;

    /// <summary>Binance spot's request weight limit per minute and IP.</summary>
    public const int WeightLimitPerMinute = 6000;

    public const string UsedWeightHeader = "X-MBX-USED-WEIGHT-1M";

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly RejectionRecorder _rejections;

    /// <param name="httpClient">Client whose BaseAddress may be unset: requests use <see cref="BinanceOptions.RestBaseUrl"/>.</param>
    public BinanceRestClient(
        HttpClient httpClient,
        BinanceOptions options,
        TimeProvider timeProvider,
        MarketDataMetrics metrics,
        ILogger logger,
        ExchangeClientSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(logger);
        _http = httpClient;
        _time = timeProvider;
        BaseUrl = options.RestBaseUrl.TrimEnd('/');
        Gate = new RestRequestGate(BinanceMessageParser.SourceName, timeProvider, logger, settings, UsedWeightHeader, WeightLimitPerMinute);
        _rejections = new RejectionRecorder(BinanceMessageParser.SourceName, metrics, logger, timeProvider);
    }

    public string BaseUrl { get; }

    /// <summary>The rate-limit gate shared by every request of this client.</summary>
    public RestRequestGate Gate { get; }

    /// <summary>Binance's interval code for a timeframe (all four are served, 1s included).</summary>
    public static string IntervalCode(Timeframe timeframe) => timeframe.ToCode();

    /// <summary>
    /// One page of klines with open time in [startMs, endMs], oldest first, at most <paramref name="limit"/> (1..1000).
    /// The newest may still be forming (IsClosed is true on every REST bar; use <see cref="GetClosedKlinesAsync"/> for history).
    /// </summary>
    public async Task<IReadOnlyList<OHLCVBar>> GetKlinesAsync(string symbol, Timeframe timeframe, long startMs, long endMs, int limit, CancellationToken cancellationToken) =>
        (await GetKlinePageAsync(symbol, timeframe, startMs, endMs, limit, cancellationToken).ConfigureAwait(false)).Bars;

    /// <summary>Like <see cref="GetKlinesAsync"/>, with the row count and newest row open time for paging.</summary>
    public async Task<KlinePage> GetKlinePageAsync(string symbol, Timeframe timeframe, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxKlinesPerRequest);
        var venueSymbol = symbol.Trim().ToUpperInvariant();
        var uri = string.Create(CultureInfo.InvariantCulture, $"{BaseUrl}/api/v3/klines?symbol={venueSymbol}&interval={IntervalCode(timeframe)}&startTime={startMs}&endTime={endMs}&limit={limit}");
        var body = await Gate.GetAsync(_http, uri, cancellationToken).ConfigureAwait(false);
        try
        {
            return KlineArrayParser.ParsePage(body, BinanceMessageParser.SourceName, venueSymbol, timeframe, _time.GetUtcNow().ToUnixTimeMilliseconds(), _rejections.Rejected);
        }
        catch (JsonException ex)
        {
            _rejections.Rejected(RejectReasons.MalformedJson, "klines answer: " + ex.Message);
            throw new ExchangeApiException("Binance klines answer is not a JSON array of klines.", null, ex);
        }
    }

    /// <summary>Closed klines with open time in [fromMs, toMs], oldest first, paged 1000 at a time.</summary>
    public Task<IReadOnlyList<OHLCVBar>> GetClosedKlinesAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken) =>
        KlineHistoryPager.FetchClosedAsync(
            (start, end, limit, ct) => GetKlinePageAsync(symbol, timeframe, start, end, limit, ct),
            timeframe,
            fromMs,
            toMs,
            MaxKlinesPerRequest,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            cancellationToken);
}
