using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Exchanges;
using TradingDashboard.Core.Exchanges.Binance;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Tests.Fakes;
using static TradingDashboard.Tests.Exchanges.FakeKlines;

namespace TradingDashboard.Tests.Exchanges;

public sealed class BinanceMarketDataSourceTests : IAsyncLifetime, IDisposable
{
    private const long Minute = 60_000;
    private readonly HttpClient _http = new();
    private readonly MarketDataMetrics _metrics = new();
    private readonly ListLogger<BinanceMarketDataSource> _logger = new();
    private readonly RecordingSink _sink = new();
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromSeconds(30));
    private FakeBinanceServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeBinanceServer.StartAsync();

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

    private BinanceMarketDataSource Source(string tradeStream = "aggTrade", ExchangeClientSettings? settings = null) =>
        new(_http, new BinanceOptions { RestBaseUrl = _server.RestBaseUrl, WebSocketBaseUrl = _server.WebSocketBaseUrl, TradeStream = tradeStream },
            TimeProvider.System, _metrics, _logger, settings ?? TestSettings.Fast);

    private Task Stream(BinanceMarketDataSource source, params Timeframe[] timeframes) =>
        source.StreamAsync(new MarketDataSubscription(["ETHUSDT"], timeframes.Length == 0 ? [Timeframe.OneMinute] : timeframes), _sink, _stop.Token);

    private async Task StopAsync(Task streaming)
    {
        await _stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streaming);
    }

    [Fact]
    public void Combined_stream_url_names_lower_case_trade_and_kline_streams()
    {
        var source = Source();
        var uri = source.StreamUri(new MarketDataSubscription(["ETHUSDT", "BTCUSDT"], [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneDay]));
        Assert.Equal(
            $"{_server.WebSocketBaseUrl}/stream?streams=ethusdt@aggTrade/ethusdt@kline_1s/ethusdt@kline_1m/ethusdt@kline_1d/btcusdt@aggTrade/btcusdt@kline_1s/btcusdt@kline_1m/btcusdt@kline_1d",
            uri.ToString());
        Assert.Equal("Binance", source.Name);
        Assert.True(source.Capabilities.StreamsTrades);
        Assert.Equal(4, source.Capabilities.HistoricalTimeframes.Count);
    }

    [Fact]
    public async Task Streams_trades_and_klines_into_the_sink_and_reports_the_connection()
    {
        var source = Source();
        var streaming = Stream(source, Timeframe.OneMinute, Timeframe.OneHour);
        var connection = await _server.WaitForConnectionAsync(1);
        Assert.Equal(["ethusdt@aggTrade", "ethusdt@kline_1m", "ethusdt@kline_1h"], connection.Streams);

        connection.SendText(BinanceJson.AggTrade("ETHUSDT", 500, "2500.25", "0.5", T0 + 1234, buyerMaker: true));
        connection.SendText(BinanceJson.Kline("ETHUSDT", "1m", T0, Minute, "2500", "2501", "2499.5", "2500.25", "12.5", closed: false, eventTime: T0 + 1235));
        connection.SendText(BinanceJson.Kline("ETHUSDT", "1m", T0, Minute, "2500", "2502", "2499", "2501", "20", closed: true, eventTime: T0 + Minute));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 1 && s.Klines.Count == 2, "one trade and two klines");

        var tick = _sink.Trades[0];
        Assert.Equal(("Binance", "ETHUSDT", 500L, 2500.25, 0.5, true, T0 + 1234), (tick.Source, tick.Symbol, tick.TradeId, tick.Price, tick.Quantity, tick.IsBuyerMaker, tick.ExchangeTimeMs));
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(tick.ReceivedTimeMs, now - 10_000, now);
        var forming = _sink.Klines[0];
        Assert.False(forming.IsClosed);
        Assert.Equal((T0, 2500.0, 2501.0, 2499.5, 2500.25, 12.5), (forming.OpenTimeMs, forming.Open, forming.High, forming.Low, forming.Close, forming.Volume));
        var closed = _sink.Klines[1];
        Assert.True(closed.IsClosed);
        Assert.Equal((2502.0, 2499.0, 2501.0, 20.0, T0 + Minute), (closed.High, closed.Low, closed.Close, closed.Volume, closed.ExchangeTimeMs));
        Assert.Equal(3, _metrics.AcceptedCount("Binance"));
        Assert.Equal([true], _sink.ConnectionEvents.Select(e => e.Connected));

        await StopAsync(streaming);
    }

    [Fact]
    public async Task Trade_stream_option_selects_the_raw_trade_stream()
    {
        var source = Source(tradeStream: "trade");
        var streaming = Stream(source);
        var connection = await _server.WaitForConnectionAsync(1);
        Assert.Equal(["ethusdt@trade", "ethusdt@kline_1m"], connection.Streams);

        connection.SendText(BinanceJson.Trade("ETHUSDT", 77, "2400", "1", T0));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 1, "the trade");
        Assert.Equal(77L, _sink.Trades[0].TradeId);
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Malformed_and_invalid_messages_are_rejected_counted_and_logged_and_the_stream_goes_on()
    {
        var source = Source();
        var streaming = Stream(source);
        var connection = await _server.WaitForConnectionAsync(1);

        connection.SendText("{\"stream\":\"ethusdt@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"p\":");
        connection.SendText(BinanceJson.AggTrade("ETHUSDT", 1, "-1", "1", T0));
        connection.SendText(BinanceJson.Kline("ETHUSDT", "1m", T0, Minute, "10", "9", "11", "10", "1", closed: true, eventTime: T0));
        connection.SendText("{\"stream\":\"ethusdt@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"ETHUSDT\"}}");
        connection.SendBinary([1, 2, 3]);
        connection.SendText(BinanceJson.AggTrade("ETHUSDT", 2, "2500", "1", T0 + 5));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 1, "the valid trade after the bad ones");

        Assert.Equal(2L, _sink.Trades[0].TradeId);
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.MalformedJson));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.NonPositivePrice));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.HighBelowLow));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.UnknownEvent));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.MalformedFrame));
        Assert.Equal(1, _metrics.AcceptedCount("Binance"));
        Assert.Contains(_logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(RejectReasons.MalformedJson, StringComparison.Ordinal));
        Assert.Contains(_logger.Lines, l => l.Level == LogLevel.Warning && l.Message.Contains(RejectReasons.HighBelowLow, StringComparison.Ordinal));
        Assert.Single(_sink.ConnectionEvents); // never disconnected
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Dropped_connection_is_reported_and_reconnected_and_replayed_trades_are_dropped()
    {
        var source = Source();
        var streaming = Stream(source);
        var first = await _server.WaitForConnectionAsync(1);
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 10, "2500", "1", T0));
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 11, "2501", "1", T0 + 1));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2, "two trades before the drop");

        first.Drop();
        var second = await _server.WaitForConnectionAsync(2);
        // The new connection repeats trade 11 (duplicate) and an older one (out of order) before new trades.
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 11, "2501", "1", T0 + 1));
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 9, "2499", "1", T0 - 1));
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 12, "2502", "1", T0 + 2));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 3, "the new trade after the reconnect");

        Assert.Equal([10L, 11L, 12L], _sink.Trades.Select(t => t.TradeId));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.DuplicateTrade));
        Assert.Equal(1, _metrics.RejectedCount("Binance", RejectReasons.OutOfOrderTrade));
        Assert.Equal([true, false, true], _sink.ConnectionEvents.Select(e => e.Connected));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Silent_connection_is_replaced_after_the_receive_timeout()
    {
        var source = Source(settings: TestSettings.Fast with { ReceiveTimeout = TimeSpan.FromMilliseconds(300) });
        var streaming = Stream(source);
        var first = await _server.WaitForConnectionAsync(1);
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 1, "2500", "1", T0));

        // Nothing more is sent: the client gives up on the connection and opens a new one.
        var second = await _server.WaitForConnectionAsync(2);
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 2, "2500", "1", T0 + 1));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2, "a trade on the new connection");

        var down = _sink.ConnectionEvents.First(e => !e.Connected);
        Assert.Contains("no message", down.Detail, StringComparison.Ordinal);
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Repeated_connection_failures_make_the_stream_throw_so_the_caller_can_fall_back()
    {
        _server.RefuseConnections = true;
        var source = Source();

        var error = await Assert.ThrowsAsync<ExchangeConnectionException>(() => Stream(source));

        Assert.Contains("3 consecutive", error.Message, StringComparison.Ordinal);
        Assert.Equal([false, false, false], _sink.ConnectionEvents.Select(e => e.Connected));
    }

    [Fact]
    public async Task Old_connection_is_replaced_before_its_age_limit_without_a_disconnect()
    {
        var source = Source(settings: TestSettings.Fast with { MaxConnectionAge = TimeSpan.FromMilliseconds(300) });
        var streaming = Stream(source);
        var first = await _server.WaitForConnectionAsync(1);
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 1, "2500", "1", T0));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 1, "first trade");
        await Task.Delay(350);
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 2, "2500", "1", T0 + 1)); // read after the age limit: triggers the replacement

        var second = await _server.WaitForConnectionAsync(2);
        await first.Closed.WaitAsync(TimeSpan.FromSeconds(5)); // the old one is closed by the client after the new one is up
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 2, "2500", "1", T0 + 1)); // overlap: already seen
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 3, "2501", "1", T0 + 2));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 3, "trade on the replacement");

        Assert.Equal([1L, 2L, 3L], _sink.Trades.Select(t => t.TradeId));
        Assert.DoesNotContain(_sink.ConnectionEvents, e => !e.Connected);
        Assert.Contains(_sink.ConnectionEvents, e => e.Detail.Contains("replaced", StringComparison.Ordinal));
        await StopAsync(streaming);
    }

    [Fact]
    public async Task Server_shutdown_notice_moves_the_stream_to_a_new_connection()
    {
        var source = Source();
        var streaming = Stream(source);
        var first = await _server.WaitForConnectionAsync(1);
        first.SendText(BinanceJson.AggTrade("ETHUSDT", 1, "2500", "1", T0));
        first.SendText("{\"stream\":\"ethusdt@aggTrade\",\"data\":{\"e\":\"serverShutdown\",\"E\":1770123456789}}");

        var second = await _server.WaitForConnectionAsync(2);
        second.SendText(BinanceJson.AggTrade("ETHUSDT", 2, "2500", "1", T0 + 1));
        await _sink.WaitUntilAsync(s => s.Trades.Count == 2, "trade on the new connection");
        Assert.DoesNotContain(_sink.ConnectionEvents, e => !e.Connected);
        await StopAsync(streaming);
    }

    [Fact]
    public async Task After_a_reconnect_the_backfilled_gap_leaves_no_missing_and_no_duplicate_candle()
    {
        // REST knows ten closed minutes; the stream delivers 0-3, drops, and after the reconnect delivers 7-9.
        _server.AddKlines("ETHUSDT", "1m", Rows(10, Minute));
        var source = Source();
        var streaming = Stream(source);
        var first = await _server.WaitForConnectionAsync(1);
        for (var i = 0; i <= 3; i++)
        {
            first.SendText(StreamKline(i, closed: true));
        }

        first.SendText(StreamKline(4, closed: false)); // forming when the connection dies
        await _sink.WaitUntilAsync(s => s.Klines.Count == 5, "klines before the drop");
        first.Drop();

        var second = await _server.WaitForConnectionAsync(2);
        for (var i = 7; i <= 9; i++)
        {
            second.SendText(StreamKline(i, closed: true));
        }

        await _sink.WaitUntilAsync(s => s.Klines.Count == 8, "klines after the reconnect");
        Assert.Equal([true, false, true], _sink.ConnectionEvents.Select(e => e.Connected));

        // What the data provider does: keep closed candles by open time, find the hole, backfill it over REST.
        var closedByOpen = new Dictionary<long, OHLCVBar>();
        var deliveries = new Dictionary<long, int>();
        void Take(OHLCVBar bar)
        {
            deliveries[bar.OpenTimeMs] = deliveries.GetValueOrDefault(bar.OpenTimeMs) + 1;
            closedByOpen[bar.OpenTimeMs] = bar;
        }

        foreach (var bar in _sink.Klines.Where(b => b.IsClosed))
        {
            Take(bar);
        }

        var opens = closedByOpen.Keys.Order().ToList();
        var holeStart = opens.Zip(opens.Skip(1)).First(p => p.Second - p.First > Minute);
        var backfill = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneMinute, holeStart.First + Minute, holeStart.Second - Minute, CancellationToken.None);
        foreach (var bar in backfill)
        {
            Take(bar);
        }

        Assert.Equal(Enumerable.Range(0, 10).Select(i => T0 + (i * Minute)), closedByOpen.Keys.Order());
        Assert.All(deliveries.Values, count => Assert.Equal(1, count));
        Assert.Equal([T0 + (4 * Minute), T0 + (5 * Minute), T0 + (6 * Minute)], backfill.Select(b => b.OpenTimeMs));
        foreach (var (open, bar) in closedByOpen)
        {
            var i = (int)((open - T0) / Minute);
            Assert.Equal((OpenOf(i), HighOf(i), LowOf(i), CloseOf(i), VolumeOf(i)), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume));
        }

        // The candle aggregator accepts the repaired series in order and rolls it into the hour.
        var aggregator = new CandleAggregator("Binance", "ETHUSDT", [Timeframe.OneMinute, Timeframe.OneHour]);
        var produced = new List<OHLCVBar>();
        foreach (var bar in closedByOpen.Values.OrderBy(b => b.OpenTimeMs))
        {
            Assert.True(aggregator.AddClosedKline(bar, produced));
        }

        Assert.Equal(10, produced.Count(b => b.Timeframe == Timeframe.OneMinute));
        var hour = aggregator.Forming(Timeframe.OneHour)!;
        Assert.Equal(Enumerable.Range(0, 10).Sum(VolumeOf), hour.Volume, 9);
        Assert.Equal(Enumerable.Range(0, 10).Max(HighOf), hour.High);
        await StopAsync(streaming);
    }

    private static string StreamKline(int i, bool closed) =>
        BinanceJson.Kline("ETHUSDT", "1m", T0 + (i * Minute), Minute, F(OpenOf(i)), F(HighOf(i)), F(LowOf(i)), F(CloseOf(i)), F(VolumeOf(i)), closed, T0 + ((i + 1) * Minute));
}
