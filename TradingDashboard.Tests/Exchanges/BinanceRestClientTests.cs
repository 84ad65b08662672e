using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Tests.Fakes;
using TradingDashboard.Tests.Support;
using static TradingDashboard.Tests.Exchanges.FakeKlines;

namespace TradingDashboard.Tests.Exchanges;

public sealed class BinanceRestClientTests : IAsyncLifetime, IDisposable
{
    private const long Minute = 60_000;
    private readonly HttpClient _http = new();
    private readonly MarketDataMetrics _metrics = new();
    private FakeBinanceServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeBinanceServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private BinanceMarketDataSource Source(TimeProvider time, ExchangeClientSettings? settings = null) =>
        new(_http, new BinanceOptions { RestBaseUrl = _server.RestBaseUrl, WebSocketBaseUrl = _server.WebSocketBaseUrl }, time, _metrics,
            NullLogger<BinanceMarketDataSource>.Instance, settings ?? TestSettings.Fast);

    [Fact]
    public void Rest_kline_sample_from_nautilus_is_parsed_with_the_values_of_the_json()
    {
        var body = File.ReadAllBytes(TestData.File("protocol", "binance", "nautilus_trader", "spot", "rest", "http_spot_market_klines.json"));
        var rejected = new List<string>();

        var bars = KlineArrayParser.Parse(body, "Binance", "BTCUSDT", Timeframe.OneMinute, 5, (r, _) => rejected.Add(r));

        Assert.Empty(rejected);
        Assert.Equal(10, bars.Count);
        var first = bars[0];
        Assert.Equal(1634943780000L, first.OpenTimeMs);
        Assert.Equal(1634943839999L, first.CloseTimeMs);
        Assert.Equal((60685.22, 60729.84, 60670.90, 60719.27, 21.63272), (first.Open, first.High, first.Low, first.Close, first.Volume));
        Assert.Equal(1313200.0134041, first.QuoteVolume);
        Assert.Equal(617L, first.TradeCount);
        Assert.True(first.IsClosed);
        Assert.Equal(1634944320000L, bars[^1].OpenTimeMs);
        Assert.Equal(7L, bars[^1].TradeCount);
    }

    [Fact]
    public void Rest_kline_rows_of_another_interval_are_rejected_not_mislabelled()
    {
        // The documentation example is a weekly candle (close = open + 7 days - 1 ms).
        var body = File.ReadAllBytes(TestData.File("protocol", "binance", "nautilus_trader", "spot", "docs_examples", "http_json", "klines_response.json"));
        var rejected = new List<string>();

        var bars = KlineArrayParser.Parse(body, "Binance", "BNBBTC", Timeframe.OneDay, 5, (r, _) => rejected.Add(r));

        Assert.Empty(bars);
        Assert.Equal([RejectReasons.MalformedRow], rejected);
    }

    [Fact]
    public async Task Backfill_pages_1000_klines_per_request_and_returns_exactly_the_closed_bars_oldest_first()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(2500, Minute));
        // Now is inside the 2500th minute: bar 2499 is still forming and must be dropped.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (2499 * Minute) + 30_000));
        var source = Source(time);

        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (3000 * Minute), CancellationToken.None);

        Assert.Equal(2499, bars.Count);
        for (var i = 0; i < bars.Count; i++)
        {
            var bar = bars[i];
            Assert.Equal(T0 + (i * Minute), bar.OpenTimeMs);
            Assert.Equal((OpenOf(i), HighOf(i), LowOf(i), CloseOf(i), VolumeOf(i)), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume));
            Assert.Equal(100L + i, bar.TradeCount);
            Assert.True(bar.IsClosed);
            Assert.Equal("Binance", bar.Source);
            Assert.Equal("ETHUSDT", bar.Symbol);
        }

        var requests = _server.KlineRequests;
        Assert.Equal(3, requests.Count);
        Assert.Equal([T0, T0 + (1000 * Minute), T0 + (2000 * Minute)], requests.Select(r => r.Long("startTime")));
        Assert.All(requests, r => Assert.Equal("1000", r.Query["limit"]));
        Assert.All(requests, r => Assert.Equal("1m", r.Query["interval"]));
        Assert.All(requests, r => Assert.Equal("ETHUSDT", r.Query["symbol"]));
        // The forming bar is never asked for: endTime stops at the last closed open time.
        Assert.All(requests, r => Assert.Equal(T0 + (2498 * Minute), r.Long("endTime")));
    }

    [Fact]
    public async Task Backfill_of_an_inner_range_returns_both_ends_inclusive()
    {
        _server.AddKlines("BTCUSDT", "1h", Rows(48, 3_600_000));
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (100 * 3_600_000L)));
        var source = Source(time);

        var bars = await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneHour, T0 + (10 * 3_600_000L), T0 + (20 * 3_600_000L), CancellationToken.None);

        Assert.Equal(Enumerable.Range(10, 11).Select(i => T0 + (i * 3_600_000L)), bars.Select(b => b.OpenTimeMs));
        Assert.Single(_server.KlineRequests);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(418)]
    public async Task Rate_limit_answer_is_waited_out_for_Retry_After_then_retried(int status)
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(5, Minute));
        _server.RespondNextKlines(status, retryAfterSeconds: 1);
        var source = Source(TimeProvider.System);

        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None);

        Assert.Equal(5, bars.Count);
        var requests = _server.KlineRequests;
        Assert.Equal(2, requests.Count);
        var gap = Stopwatch.GetElapsedTime(requests[0].Timestamp, requests[1].Timestamp);
        Assert.True(gap >= TimeSpan.FromMilliseconds(990), $"retried after {gap.TotalMilliseconds} ms, before Retry-After");
    }

    [Fact]
    public async Task Ban_longer_than_the_wait_limit_fails_and_later_calls_fail_fast_without_requests()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(5, Minute));
        _server.RespondNextKlines(418, retryAfterSeconds: 3600, body: "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned.\"}");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (10 * Minute)));
        var source = Source(time);

        var first = await Assert.ThrowsAsync<ExchangeRateLimitedException>(() => source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None));
        var second = await Assert.ThrowsAsync<ExchangeRateLimitedException>(() => source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None));

        Assert.Single(_server.KlineRequests);
        Assert.Equal(time.GetUtcNow().AddHours(1), first.RetryAt);
        Assert.Equal(first.RetryAt, second.RetryAt);

        // Once the ban is over, requests resume.
        time.Advance(TimeSpan.FromHours(1));
        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None);
        Assert.Equal(5, bars.Count);
        Assert.Equal(2, _server.KlineRequests.Count);
    }

    [Fact]
    public async Task Used_weight_near_the_limit_pauses_requests_until_the_next_minute()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(5, Minute));
        _server.UsedWeight = 5000; // above 80 % of 6000
        var now = DateTimeOffset.FromUnixTimeMilliseconds(T0 + (10 * Minute) + 30_000); // hh:10:30
        var time = new FakeTimeProvider(now);
        var source = Source(time);

        await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None);

        Assert.Equal(5000, source.Rest.Gate.LastUsedWeight);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (11 * Minute)), source.Rest.Gate.BlockedUntil);

        _server.UsedWeight = 10;
        var pending = source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None);
        await Task.Delay(200);
        Assert.False(pending.IsCompleted);
        Assert.Single(_server.KlineRequests);

        time.Advance(TimeSpan.FromSeconds(30));
        var bars = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, bars.Count);
        Assert.Equal(2, _server.KlineRequests.Count);
    }

    [Fact]
    public async Task Server_error_is_retried_and_client_error_is_not()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(5, Minute));
        _server.RespondNextKlines(502, null, "bad gateway");
        var source = Source(TimeProvider.System);

        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None);
        Assert.Equal(5, bars.Count);
        Assert.Equal(2, _server.KlineRequests.Count);

        var error = await Assert.ThrowsAsync<ExchangeApiException>(() => source.GetHistoricalBarsAsync("XRPUSDT", Timeframe.OneMinute, T0, T0 + (4 * Minute), CancellationToken.None));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("-1121", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, _server.KlineRequests.Count);
    }

    [Fact]
    public async Task Invalid_rows_in_an_answer_are_skipped_and_counted()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(3, Minute));
        _server.AddKlines("ETHUSDT", "1m", [new FakeKline(T0 + (3 * Minute), "10", "9", "11", "10", "1", T0 + (4 * Minute) - 1, "1", 1)]);
        var source = Source(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (10 * Minute))));

        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + (3 * Minute), CancellationToken.None);

        Assert.Equal(3, bars.Count);
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.HighBelowLow));
    }
}
