using System.Net;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

public class MetricsEndpointTests
{
    // 2026-03-02T09:30:20Z
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 30, 20, TimeSpan.Zero);

    [Fact]
    public async Task Metrics_expose_counters_rates_states_and_candle_lag_in_prometheus_text_format()
    {
        await using var factory = HostFactory.Create(o => o.Time = new FakeTimeProvider(Now));
        for (var i = 0; i < 3; i++)
        {
            factory.MarketDataMetrics.RecordAccepted("Binance");
        }

        factory.MarketDataMetrics.RecordAccepted("Mexc");
        factory.MarketDataMetrics.RecordRejected("Binance", RejectReasons.MalformedJson);
        factory.MarketDataMetrics.RecordRejected("Binance", RejectReasons.MalformedJson);
        factory.MarketDataMetrics.RecordRejected("Mexc", RejectReasons.DuplicateTrade);

        // BTCUSDT 1m: closed 09:29 candle (closes 09:29:59.999) and the forming 09:30 one.
        var m0929 = new DateTimeOffset(2026, 3, 2, 9, 29, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        factory.Candles.Set("BTCUSDT", Timeframe.OneMinute,
        [
            new OHLCVBar("Binance", "BTCUSDT", Timeframe.OneMinute, m0929, 1, 1, 1, 1, 1, true),
            new OHLCVBar("Binance", "BTCUSDT", Timeframe.OneMinute, m0929 + 60_000, 1, 1, 1, 1, 1, false),
        ]);

        // ETHUSDT 1h: the 08:00 candle (closes 08:59:59.999) is the latest closed one.
        var h08 = new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        factory.Candles.Set("ETHUSDT", Timeframe.OneHour, [new OHLCVBar("Binance", "ETHUSDT", Timeframe.OneHour, h08, 1, 1, 1, 1, 1, true)]);
        using var client = await factory.LoginAsAdminAsync();

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var metrics = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("counter", metrics.Types["trading_marketdata_messages_total"]);
        Assert.Equal(3, metrics.Value("trading_marketdata_messages_total", ("source", "Binance")));
        Assert.Equal(1, metrics.Value("trading_marketdata_messages_total", ("source", "Mexc")));

        Assert.Equal("counter", metrics.Types["trading_marketdata_rejected_total"]);
        Assert.Equal(2, metrics.Value("trading_marketdata_rejected_total", ("source", "Binance"), ("reason", "malformed_json")));
        Assert.Equal(1, metrics.Value("trading_marketdata_rejected_total", ("source", "Mexc"), ("reason", "duplicate_trade")));

        // FakeProcessController: CandleWriter runs at 12.5 msg/s, MarketDataFeed is stopped.
        Assert.Equal("gauge", metrics.Types["trading_process_messages_per_second"]);
        Assert.Equal(12.5, metrics.Value("trading_process_messages_per_second", ("process", "CandleWriter")));
        Assert.Equal(0, metrics.Value("trading_process_messages_per_second", ("process", "MarketDataFeed")));
        Assert.Equal("gauge", metrics.Types["trading_process_state"]);
        Assert.Equal(1, metrics.Value("trading_process_state", ("process", "CandleWriter"), ("state", "Running")));
        Assert.Equal(0, metrics.Value("trading_process_state", ("process", "CandleWriter"), ("state", "Stopped")));
        Assert.Equal(1, metrics.Value("trading_process_state", ("process", "MarketDataFeed"), ("state", "Stopped")));
        Assert.Equal(5, metrics.Samples.Count(s => s.Name == "trading_process_state" && s.Labels["process"] == "MarketDataFeed"));

        // Lag = now - close time: 09:30:20 - 09:29:59.999 = 20.001 s; 09:30:20 - 08:59:59.999 = 1820.001 s.
        Assert.Equal("gauge", metrics.Types["trading_candle_lag_seconds"]);
        Assert.Equal(20.001, metrics.Value("trading_candle_lag_seconds", ("symbol", "BTCUSDT"), ("timeframe", "1m")), 9);
        Assert.Equal(1820.001, metrics.Value("trading_candle_lag_seconds", ("symbol", "ETHUSDT"), ("timeframe", "1h")), 9);
        Assert.Equal(2, metrics.Samples.Count(s => s.Name == "trading_candle_lag_seconds"));

        Assert.Equal(1, metrics.Value("trading_store_up"));
        Assert.All(metrics.Types.Keys, name => Assert.True(metrics.Helps.ContainsKey(name), name));
    }

    [Fact]
    public async Task Metrics_need_a_signed_in_caller()
    {
        await using var factory = new HostFactory();
        using var client = factory.CreateBrowserClient();

        using var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
