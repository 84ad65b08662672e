using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>
/// MEXC spot public REST: GET /api/v3/klines (8-field rows; close time = open + interval), paged for history, through a
/// <see cref="RestRequestGate"/> that honours 429/418 and Retry-After. MEXC sends no used-weight header.
/// </summary>
public sealed class MexcRestClient
{
    public const string SourceName = "Mexc";

    /// <summary>Most klines MEXC returns per request (its default is 500).</summary>
    public const int MaxKlinesPerRequest = 1000;

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly RejectionRecorder _rejections;

    public MexcRestClient(
        HttpClient httpClient,
        MexcOptions options,
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
        Gate = new RestRequestGate(SourceName, timeProvider, logger, settings);
        _rejections = new RejectionRecorder(SourceName, metrics, logger, timeProvider);
    }

    public string BaseUrl { get; }

    public RestRequestGate Gate { get; }

    /// <summary>
    /// One page of klines with open time in [startMs, endMs], oldest first, at most <paramref name="limit"/> (1..1000);
    /// the newest may still be forming. Empty, without a request, for a timeframe MEXC does not serve (1s).
    /// </summary>
    public async Task<IReadOnlyList<OHLCVBar>> GetKlinesAsync(string symbol, Timeframe timeframe, long startMs, long endMs, int limit, CancellationToken cancellationToken) =>
        (await GetKlinePageAsync(symbol, timeframe, startMs, endMs, limit, cancellationToken).ConfigureAwait(false)).Bars;

    /// <summary>Like <see cref="GetKlinesAsync"/>, with the row count and newest row open time for paging.</summary>
    public async Task<KlinePage> GetKlinePageAsync(string symbol, Timeframe timeframe, long startMs, long endMs, int limit, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(symbol);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, MaxKlinesPerRequest);
        if (MexcIntervals.RestCode(timeframe) is not { } interval)
        {
            return new KlinePage([], 0, long.MinValue);
        }

        var venueSymbol = symbol.Trim().ToUpperInvariant();
        var uri = string.Create(CultureInfo.InvariantCulture, $"{BaseUrl}/api/v3/klines?symbol={venueSymbol}&interval={interval}&startTime={startMs}&endTime={endMs}&limit={limit}");
        var body = await Gate.GetAsync(_http, uri, cancellationToken).ConfigureAwait(false);
        try
        {
            return KlineArrayParser.ParsePage(body, SourceName, venueSymbol, timeframe, _time.GetUtcNow().ToUnixTimeMilliseconds(), _rejections.Rejected);
        }
        catch (JsonException ex)
        {
            _rejections.Rejected(RejectReasons.MalformedJson, "klines answer: " + ex.Message);
            throw new ExchangeApiException("MEXC klines answer is not a JSON array of klines.", null, ex);
        }
    }

    /// <summary>Closed klines with open time in [fromMs, toMs], oldest first, paged 1000 at a time; empty for 1s.</summary>
    public async Task<IReadOnlyList<OHLCVBar>> GetClosedKlinesAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        if (MexcIntervals.RestCode(timeframe) is null)
        {
            return [];
        }

        return await KlineHistoryPager.FetchClosedAsync(
            (start, end, limit, ct) => GetKlinePageAsync(symbol, timeframe, start, end, limit, ct),
            timeframe,
            fromMs,
            toMs,
            MaxKlinesPerRequest,
            _time.GetUtcNow().ToUnixTimeMilliseconds(),
            cancellationToken).ConfigureAwait(false);
    }
}
