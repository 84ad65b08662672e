using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Mexc;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Tests.Fakes;
using TradingDashboard.Tests.Support;
using static TradingDashboard.Tests.Exchanges.FakeKlines;
using static TradingDashboard.Tests.Exchanges.MexcProtoWriter;

namespace TradingDashboard.Tests.Exchanges;

public sealed class MexcMarketDataSourceTests : IAsyncLifetime, IDisposable
{
    private const long Minute = 60_000;
    private const long Hour = 3_600_000;
    private readonly HttpClient _http = new();
    private readonly MarketDataMetrics _metrics = new();
    private readonly RecordingSink _sink = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private FakeMexcServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeMexcServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _server.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _stop.Dispose();
    }

    private MexcMarketDataSource Source(TimeProvider time, bool polling = false, int pollMs = 1000, ExchangeClientSettings? settings = null) =>
        new(_http, new MexcOptions { RestBaseUrl = _server.RestBaseUrl, WebSocketBaseUrl = _server.WebSocketUrl, UseRestPolling = polling, PollIntervalMs = pollMs },
            time, _metrics, NullLogger<MexcMarketDataSource>.Instance, settings ?? TestSettings.Fast);

    private async Task StopAsync(Task streaming)
    {
        await _stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
    }

    [Fact]
    public void Rest_kline_samples_from_ccxt_and_mexc_net_are_parsed_with_close_time_open_plus_interval()
    {
        var ccxt = KlineArrayParser.Parse(
            File.ReadAllBytes(TestData.File("protocol", "mexc", "ccxt_static", "GET_api_v3_klines_BTCUSDT_60m_limit1.json")),
            "Mexc", "BTCUSDT", Timeframe.OneHour, 1, (r, d) => Assert.Fail($"{r}: {d}"));
        var bar = Assert.Single(ccxt);
        Assert.Equal(1710327600000L, bar.OpenTimeMs);
        Assert.Equal((73260.0, 73442.95, 73238.69, 73414.21, 49.560236), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume));
        Assert.Equal(3633995.45, bar.QuoteVolume);
        Assert.Equal(0L, bar.TradeCount); // MEXC rows carry no trade count
        Assert.Equal("Mexc", bar.Source);

        var mexcNet = KlineArrayParser.Parse(
            File.ReadAllBytes(TestData.File("protocol", "mexc", "mexc_net_examples", "rest", "ExchangeData", "GetKlines.body.json")),
            "Mexc", "ETHUSDT", Timeframe.OneMinute, 1, (r, d) => Assert.Fail($"{r}: {d}"));
        var minute = Assert.Single(mexcNet);
        Assert.Equal(1640804880000L, minute.OpenTimeMs);
        Assert.Equal((47482.36, 47482.36, 47416.57, 47436.1, 3.550717, 168387.3), (minute.Open, minute.High, minute.Low, minute.Close, minute.Volume, minute.QuoteVolume));
    }

    [Fact]
    public void Channels_follow_the_documented_names_and_intervals()
    {
        Assert.Equal(
            ["spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT", "spot@public.kline.v3.api.pb@ETHUSDT@Min1", "spot@public.kline.v3.api.pb@ETHUSDT@Min60", "spot@public.kline.v3.api.pb@ETHUSDT@Day1"],
            MexcMarketDataSource.Channels("ethusdt", [Timeframe.OneDay, Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour]));
        Assert.Equal("60m", MexcIntervals.RestCode(Timeframe.OneHour));
        Assert.Null(MexcIntervals.RestCode(Timeframe.OneSecond));
    }

    [Fact]
    public async Task History_uses_interval_60m_for_one_hour_and_pages_closed_bars()
    {
        _server.AddKlines("ETHUSDT", "60m", Rows(30, Hour, closeOffsetMs: 0));
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (29 * Hour) + 1000)); // hour 29 forming
        var source = Source(time);

        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneHour, T0, T0 + (100 * Hour), CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 29).Select(i => T0 + (i * Hour)), bars.Select(b => b.OpenTimeMs));
        Assert.Equal((OpenOf(28), CloseOf(28)), (bars[^1].Open, bars[^1].Close));
        var request = Assert.Single(_server.KlineRequests);
        Assert.Equal("60m", request.Query["interval"]);
        Assert.Equal("ETHUSDT", request.Query["symbol"]);
    }

    [Fact]
    public async Task One_second_history_is_empty_without_a_request()
    {
        var source = Source(TimeProvider.System);
        var bars = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneSecond, T0, T0 + Minute, CancellationToken.None);
        Assert.Empty(bars);
        Assert.Empty(_server.KlineRequests);
    }

    [Fact]
    public async Task Protobuf_stream_subscribes_pings_and_delivers_trades_and_klines()
    {
        // REST holds the final version of minute 0, to be used when the stream rolls over to minute 1.
        _server.AddKlines("ETHUSDT", "1m", [Row(0, Minute, closeOffsetMs: 0)]);
        var source = Source(TimeProvider.System, settings: TestSettings.Fast with { PingInterval = TimeSpan.FromMilliseconds(100) });
        var streaming = source.StreamAsync(new MarketDataSubscription(["ETHUSDT"], [Timeframe.OneSecond, Timeframe.OneMinute]), _sink, _stop.Token);
        var connection = await _server.WaitForConnectionAsync(1);

        await _sink.WaitUntilAsync(_ => connection.Received.Any(m => m.Contains("PING", StringComparison.Ordinal)), "a PING");
        Assert.Equal(
            "{\"method\":\"SUBSCRIPTION\",\"params\":[\"spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT\",\"spot@public.kline.v3.api.pb@ETHUSDT@Min1\"]}",
            connection.Received[0]);

        const string deals = "spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT";
        connection.SendBinary(Wrapper(deals, 314, Deals("spot@public.aggre.deals.v3.api.pb@100ms",
            Deal("2500.5", "0.25", 1, T0 + 100),
            Deal("2500.4", "1.5", 2, T0 + 120)), "ETHUSDT", sendTime: T0 + 130));
        const string kline = "spot@public.kline.v3.api.pb@ETHUSDT@Min1";
        connection.SendBinary(Wrapper(kline, 308, Kline("Min1", T0 / 1000, "2500", "2500.4", "2500.5", "2499.9", "1.75", "4375.6", (T0 + Minute) / 1000), "ETHUSDT", createTime: T0 + 1000));
        connection.SendBinary(Wrapper(kline, 308, Kline("Min1", (T0 + Minute) / 1000, "2600", "2600", "2600", "2600", "0.1", "260", (T0 + (2 * Minute)) / 1000), "ETHUSDT", createTime: T0 + Minute + 500));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2 && s.Klines.Count == 3, "two trades and three klines");

        var trades = _sink.Trades;
        Assert.Equal((2500.5, 0.25, false, T0 + 100), (trades[0].Price, trades[0].Quantity, trades[0].IsBuyerMaker, trades[0].ExchangeTimeMs));
        Assert.Equal((2500.4, 1.5, true, T0 + 120), (trades[1].Price, trades[1].Quantity, trades[1].IsBuyerMaker, trades[1].ExchangeTimeMs));
        Assert.True(trades[1].TradeId > trades[0].TradeId);
        Assert.All(trades, t => Assert.Equal(("Mexc", "ETHUSDT"), (t.Source, t.Symbol)));

        var klines = _sink.Klines;
        Assert.False(klines[0].IsClosed);
        Assert.Equal((T0, 2500.0, 2500.5, 2499.9, 2500.4, 1.75, 4375.6, T0 + 1000), (klines[0].OpenTimeMs, klines[0].Open, klines[0].High, klines[0].Low, klines[0].Close, klines[0].Volume, klines[0].QuoteVolume, klines[0].ExchangeTimeMs));
        // On rollover, minute 0 is closed with the REST values, not the last pushed ones.
        Assert.True(klines[1].IsClosed);
        Assert.Equal((T0, OpenOf(0), HighOf(0), LowOf(0), CloseOf(0), VolumeOf(0)), (klines[1].OpenTimeMs, klines[1].Open, klines[1].High, klines[1].Low, klines[1].Close, klines[1].Volume));
        Assert.False(klines[2].IsClosed);
        Assert.Equal(T0 + Minute, klines[2].OpenTimeMs);
        Assert.Equal(4, _metrics.AcceptedCount("Mexc"));
        Assert.Equal([true], _sink.ConnectionEvents.Select(e => e.Connected));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Bad_protobuf_input_is_rejected_and_counted_and_the_stream_goes_on()
    {
        var source = Source(TimeProvider.System);
        var streaming = source.StreamAsync(new MarketDataSubscription(["ETHUSDT"], [Timeframe.OneMinute]), _sink, _stop.Token);
        var connection = await _server.WaitForConnectionAsync(1);
        const string deals = "spot@public.aggre.deals.v3.api.pb@100ms@ETHUSDT";

        connection.SendBinary([0x0A, 0x50, 0x41]); // truncated
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("abc", "1", 1, T0)), "ETHUSDT"));
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("0", "1", 1, T0)), "ETHUSDT"));
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("10", "-1", 1, T0)), "ETHUSDT"));
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("10", "1", 1, T0 + 50)), "ETHUSDT"));
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("10", "1", 1, T0 + 40)), "ETHUSDT")); // older than the last
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("10", "1", 1, T0)), "BTCUSDT")); // not subscribed
        connection.SendBinary(Wrapper("spot@public.kline.v3.api.pb@ETHUSDT@Min1", 308, Kline("Min1", T0 / 1000, "10", "10", "9", "11", "1", "1", 0), "ETHUSDT"));
        connection.SendText("not json");
        connection.SendBinary(Wrapper(deals, 314, Deals("e", Deal("11", "2", 2, T0 + 60)), "ETHUSDT"));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2, "the two valid deals");

        Assert.Equal([10.0, 11.0], _sink.Trades.Select(t => t.Price));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.MalformedFrame));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.InvalidNumber));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.NonPositivePrice));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.NegativeQuantity));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.OutOfOrderTrade));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.UnknownSymbol));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.HighBelowLow));
        Assert.Equal(1, _metrics.RejectedCount("Mexc", RejectReasons.MalformedJson));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Dropped_protobuf_connection_is_reconnected_and_resubscribed()
    {
        var source = Source(TimeProvider.System);
        var streaming = source.StreamAsync(new MarketDataSubscription(["BTCUSDT"], [Timeframe.OneMinute]), _sink, _stop.Token);
        var first = await _server.WaitForConnectionAsync(1);
        const string deals = "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT";
        first.SendBinary(Wrapper(deals, 314, Deals("e", Deal("90000", "1", 1, T0)), "BTCUSDT"));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 1, "first deal");
        first.Drop();

        var second = await _server.WaitForConnectionAsync(2);
        await _sink.WaitUntilAsync(_ => second.Received.Count > 0, "the new subscription");
        Assert.Contains(deals, second.Received[0], StringComparison.Ordinal);
        second.SendBinary(Wrapper(deals, 314, Deals("e", Deal("90001", "1", 2, T0 + 1)), "BTCUSDT"));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2, "deal after the reconnect");
        Assert.Equal([true, false, true], _sink.ConnectionEvents.Select(e => e.Connected));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task More_than_thirty_channels_are_spread_over_several_connections()
    {
        var symbols = Enumerable.Range(0, 9).Select(i => $"S{i}USDT").ToArray();
        var source = Source(TimeProvider.System);
        var streaming = source.StreamAsync(new MarketDataSubscription(symbols, [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay]), _sink, _stop.Token);

        // 4 channels per symbol, at most 30 per connection: 7 symbols (28 channels) + 2 symbols (8 channels).
        await _server.WaitForConnectionAsync(2);
        var subscriptions = new List<int>();
        for (var n = 1; n <= 2; n++)
        {
            var connection = await _server.WaitForConnectionAsync(n);
            await _sink.WaitUntilAsync(_ => connection.Received.Count > 0, "a subscription");
            subscriptions.Add(System.Text.Json.JsonDocument.Parse(connection.Received[0]).RootElement.GetProperty("params").GetArrayLength());
        }

        Assert.Equal([8, 28], subscriptions.Order());
        Assert.Equal(2, _server.ConnectionCount);
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Polling_delivers_closed_and_forming_klines_from_rest()
    {
        _server.AddKlines("ETHUSDT", "1m", Rows(3, Minute, closeOffsetMs: 0)); // minutes 0, 1 and 2 (2 is forming)
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (2 * Minute) + 30_000));
        var source = Source(time, polling: true, pollMs: 1000);
        Assert.True(source.Capabilities.Polling);
        Assert.False(source.Capabilities.StreamsTrades);

        var streaming = source.StreamAsync(new MarketDataSubscription(["ETHUSDT"], [Timeframe.OneMinute]), _sink, _stop.Token);
        await _sink.WaitUntilAsync(s => s.Klines.Count == 2 && s.ConnectionEvents.Count == 1, "first poll");
        Assert.Equal([(T0 + Minute, true), (T0 + (2 * Minute), false)], _sink.Klines.Select(k => (k.OpenTimeMs, k.IsClosed)));
        Assert.Equal("1m", _server.KlineRequests[0].Query["interval"]);

        // Minute 2 gets its final values and minute 3 starts; one poll interval later both are seen.
        _server.AddKlines("ETHUSDT", "1m", [Row(2, Minute, closeOffsetMs: 0) with { Close = "2222.5", High = "2222.5" }, Row(3, Minute, closeOffsetMs: 0)]);
        time.Advance(TimeSpan.FromMinutes(1));
        await _sink.WaitUntilAsync(s => s.Klines.Count == 4, "second poll");

        var closed = _sink.Klines[2];
        Assert.Equal((T0 + (2 * Minute), true, 2222.5), (closed.OpenTimeMs, closed.IsClosed, closed.Close));
        Assert.Equal((T0 + (3 * Minute), false), (_sink.Klines[3].OpenTimeMs, _sink.Klines[3].IsClosed));
        Assert.Equal(T0 + (2 * Minute), _server.KlineRequests[1].Long("startTime"));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Polling_throws_after_repeated_failures()
    {
        for (var i = 0; i < 3; i++)
        {
            _server.RespondNextKlines(500, null, "oops");
        }

        var source = Source(TimeProvider.System, polling: true, pollMs: 200, settings: TestSettings.Fast with { RestMaxAttempts = 1 });

        await Assert.ThrowsAsync<ExchangeConnectionException>(() =>
            source.StreamAsync(new MarketDataSubscription(["ETHUSDT"], [Timeframe.OneMinute]), _sink, _stop.Token));
        Assert.Equal(3, _server.KlineRequests.Count);
        Assert.All(_sink.ConnectionEvents, e => Assert.False(e.Connected));
    }
}
