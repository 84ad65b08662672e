using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;

namespace TradingDashboard.Tests.MarketData.Replay;

public class ReplayMarketDataSourceTests
{
    /// <summary>2024-01-01 00:00:00 UTC.</summary>
    private const long T0 = 1_704_067_200_000;

    private const long S = 1_000;
    private const long M = 60_000;
    private const long H = 3_600_000;

    [Fact]
    public async Task Streams_trades_of_one_symbol_and_klines_of_another_merged_in_time_order_then_returns()
    {
        using var dir = new TempDirectory();
        dir.Write("BTCUSDT-trades-2024-01-01.csv",
            $"1,100,1,100,{T0 + (10 * S)},True,True",
            $"2,bad,1,100,{T0 + (20 * S)},True,True",
            $"3,101,2,202,{T0 + (70 * S)},False,True",
            $"4,102,1,102,{T0 + (130 * S)},True,True");
        dir.Write("ETHUSDT-1m-2024-01.csv.gz", $"{T0},10,11,9,10.5,3", $"{T0 + M},10.5,12,10,11,4");
        dir.Write("ETHUSDT-1h-2024-01.csv.gz", $"{T0},10,12,9,11,7");
        var metrics = new MarketDataMetrics();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0));
        var source = ReplayTestFactory.Source(dir.Path, speed: 0, time, metrics);
        var sink = new RecordingSink();

        // Speed 0: no waits at all, so the fake clock never has to move.
        await source.StreamAsync(ReplayTestFactory.Subscription("BTCUSDT", "ETHUSDT"), sink, CancellationToken.None);

        // Trade 1 at +10s, the ETH 00:00 minute when it closes at +60s, trade 3 at +70s, the 00:01 minute at +120s, trade 4 at +130s.
        // The end of the data is the normal return, not a reported disconnect.
        var events = sink.Events;
        Assert.Equal(6, events.Count);
        var first = Assert.IsType<RecordingSink.ConnectionChange>(events[0]);
        Assert.Equal(("Replay", true), (first.Source, first.Connected));
        Assert.Equal(1, Assert.IsType<MarketTick>(events[1]).TradeId);
        Assert.Equal(T0, Assert.IsType<OHLCVBar>(events[2]).OpenTimeMs);
        Assert.Equal(3, Assert.IsType<MarketTick>(events[3]).TradeId);
        Assert.Equal(T0 + M, Assert.IsType<OHLCVBar>(events[4]).OpenTimeMs);
        Assert.Equal(4, Assert.IsType<MarketTick>(events[5]).TradeId);
        Assert.Single(sink.Connections);

        Assert.All(sink.Trades, t => Assert.Equal(("Replay", "BTCUSDT", t.ExchangeTimeMs), (t.Source, t.Symbol, t.ReceivedTimeMs)));
        Assert.All(sink.Klines, k => Assert.Equal(("Replay", "ETHUSDT", Timeframe.OneMinute, true), (k.Source, k.Symbol, k.Timeframe, k.IsClosed)));
        Assert.Equal((10d, 11d, 9d, 10.5, 3d), (sink.Klines[0].Open, sink.Klines[0].High, sink.Klines[0].Low, sink.Klines[0].Close, sink.Klines[0].Volume));
        Assert.Equal(1, metrics.RejectedCount("Replay", RejectReasons.MalformedRow));
        Assert.Equal(5, metrics.AcceptedCount("Replay"));
    }

    [Fact]
    public async Task Market_time_is_the_replay_clock_not_the_time_provider()
    {
        using var dir = new TempDirectory();
        dir.Write("BTCUSDT-trades-2024-01-01.csv", $"1,100,1,100,{T0 + (10 * S)},True,True", $"2,101,1,101,{T0 + (70 * S)},True,True");
        dir.Write("ETHUSDT-1m-2024-01.csv", $"{T0},10,11,9,10.5,3", $"{T0 + M},10.5,12,10,11,4");

        // A clock two years after the data: market time must not follow it.
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0 + (730 * 24 * H)));
        var source = ReplayTestFactory.Source(dir.Path, speed: 0, time);
        var subscription = ReplayTestFactory.Subscription("BTCUSDT", "ETHUSDT");

        // Before streaming: just before the first event (the BTC trade at +10 s; the first ETH kline is an event when it closes at +60 s).
        Assert.Equal(T0 + (10 * S) - 1, source.GetMarketTimeMs(subscription));
        Assert.Equal(T0 + M - 1, source.GetMarketTimeMs(ReplayTestFactory.Subscription("ETHUSDT")));

        // While streaming: the time of the event being sent, as each sink call sees it.
        var seen = new List<long?>();
        var sink = new ClockReadingSink(() => seen.Add(source.GetMarketTimeMs(subscription)));
        await source.StreamAsync(subscription, sink, CancellationToken.None);
        Assert.Equal(new long?[] { T0 + (10 * S), T0 + M, T0 + (70 * S), T0 + (2 * M) }, seen);

        // Finished: a restart begins at the start again.
        Assert.Equal(T0 + (10 * S) - 1, source.GetMarketTimeMs(subscription));
    }

    private sealed class ClockReadingSink(Action onMessage) : IMarketDataSink
    {
        public ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken)
        {
            onMessage();
            return ValueTask.CompletedTask;
        }

        public ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken)
        {
            onMessage();
            return ValueTask.CompletedTask;
        }

        public ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Speed_60_sends_one_minute_of_market_time_per_second_on_the_time_provider()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-2024-01.csv", $"{T0},10,11,9,10,1", $"{T0 + M},10,11,9,10,1", $"{T0 + (2 * M)},10,11,9,10,1");
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000);
        var time = new FakeTimeProvider(start);
        var source = ReplayTestFactory.Source(dir.Path, speed: 60, time);
        var sink = new TimedSink(time);

        var run = source.StreamAsync(ReplayTestFactory.Subscription("ETHUSDT"), sink, CancellationToken.None);

        // Closes at +1m, +2m, +3m of market time: at speed 60 they are due 0 s, 1 s and 2 s after the first. The clock moves
        // in 100 ms steps; at each due time the test lets the replay catch up before moving on, so an early send shows
        // up as an earlier time and a missing one as a count that never arrives.
        await WaitUntil(() => sink.KlineTimes.Count == 1);
        for (var step = 1; step <= 20; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            if (step % 10 == 0)
            {
                await WaitUntil(() => sink.KlineTimes.Count == 1 + (step / 10));
            }
        }

        await run;
        Assert.Equal([0d, 1_000, 2_000], sink.KlineTimes.Select(t => (t - start).TotalMilliseconds));
    }

    [Fact]
    public async Task Cancellation_stops_a_paced_replay()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-2024-01.csv", $"{T0},10,11,9,10,1", $"{T0 + M},10,11,9,10,1");
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(T0));
        var source = ReplayTestFactory.Source(dir.Path, speed: 1, time);
        var sink = new RecordingSink();
        using var cts = new CancellationTokenSource();

        var run = source.StreamAsync(ReplayTestFactory.Subscription("ETHUSDT"), sink, cts.Token);
        await WaitUntil(() => sink.Klines.Count == 1);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Single(sink.Klines);
    }

    [Fact]
    public async Task Stream_throws_when_replay_is_not_configured_or_has_no_file_for_the_symbols()
    {
        var sink = new RecordingSink();
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ReplayTestFactory.Source(null).StreamAsync(ReplayTestFactory.Subscription("BTCUSDT"), sink, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ReplayTestFactory.Source(Path.Combine(Path.GetTempPath(), "missing-" + Guid.NewGuid())).StreamAsync(ReplayTestFactory.Subscription("BTCUSDT"), sink, CancellationToken.None));

        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-2024-01.csv", $"{T0},10,11,9,10,1");
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ReplayTestFactory.Source(dir.Path).StreamAsync(ReplayTestFactory.Subscription("BTCUSDT"), sink, CancellationToken.None));
        Assert.Empty(sink.Events);

        // One of two symbols has data: that one is replayed.
        await ReplayTestFactory.Source(dir.Path).StreamAsync(ReplayTestFactory.Subscription("BTCUSDT", "ETHUSDT"), sink, CancellationToken.None);
        Assert.Equal("ETHUSDT", Assert.Single(sink.Klines).Symbol);
    }

    [Fact]
    public async Task History_serves_the_timeframe_from_its_own_files_within_the_range()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1h-x.csv", Enumerable.Range(0, 5).Select(i => $"{T0 + (i * H)},{10 + i},{11 + i},{9 + i},{10 + i},{i + 1}").ToArray());

        var bars = await ReplayTestFactory.Source(dir.Path).GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneHour, T0 + H, T0 + (3 * H), CancellationToken.None);

        Assert.Equal([T0 + H, T0 + (2 * H), T0 + (3 * H)], bars.Select(b => b.OpenTimeMs));
        Assert.Equal([11d, 12, 13], bars.Select(b => b.Open));
        Assert.All(bars, b => Assert.Equal(("Replay", Timeframe.OneHour, true), (b.Source, b.Timeframe, b.IsClosed)));
    }

    [Fact]
    public async Task History_rolls_1m_up_to_1h_keeping_only_hours_a_file_spans_and_never_makes_1s_from_1m()
    {
        using var dir = new TempDirectory();

        // Minute k (minutes since T0) has O = 1000+k, H = O+0.5, L = O-0.5, C = O+0.25, V = 1.
        static string Row(long k) => $"{T0 + (k * M)},{1000 + k},{1000.5 + k},{999.5 + k},{1000.25 + k},1";

        // File one: 10:30 .. 13:14 with 12:10..12:19 missing. File two: 20:00 .. 20:59.
        var one = Enumerable.Range(630, 13 * 60 + 15 - 630).Where(k => k is < 730 or > 739).Select(k => Row(k)).ToArray();
        dir.Write("BTCUSDT-1m-one.csv", one);
        dir.Write("BTCUSDT-1m-two.csv.gz", Enumerable.Range(20 * 60, 60).Select(k => Row(k)).ToArray());
        var source = ReplayTestFactory.Source(dir.Path);

        var hours = await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneHour, T0, T0 + (24 * H), CancellationToken.None);

        // 10:00 starts mid-hour and 13:00 ends mid-hour in file one: dropped. 11:00 and 12:00 (with its hole) and 20:00 kept.
        Assert.Equal([T0 + (11 * H), T0 + (12 * H), T0 + (20 * H)], hours.Select(b => b.OpenTimeMs));

        // Hour h: O = 1000 + 60h, H = 1000 + 60h + 59.5, L = 1000 + 60h - 0.5, C = 1000 + 60h + 59.25, V = 60 (50 for 12:00).
        foreach (var (bar, h, v) in hours.Zip([11, 12, 20], [60d, 50d, 60d]))
        {
            Assert.Equal((1000d + (60 * h), 1059.5 + (60 * h), 999.5 + (60 * h), 1059.25 + (60 * h), v, true), (bar.Open, bar.High, bar.Low, bar.Close, bar.Volume, bar.IsClosed));
        }

        var narrowed = await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneHour, T0 + (12 * H), T0 + (12 * H), CancellationToken.None);
        Assert.Equal(T0 + (12 * H), Assert.Single(narrowed).OpenTimeMs);

        Assert.Empty(await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneSecond, T0, T0 + (24 * H), CancellationToken.None));
        Assert.Empty(await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneDay, T0, T0 + (24 * H), CancellationToken.None));
    }

    [Fact]
    public async Task History_builds_candles_from_trades_only_where_trade_ids_show_nothing_is_missing()
    {
        using var dir = new TempDirectory();

        // Seconds 0..5 with two trades each (ids 1..12), except that id 7 (second 3, first trade) is missing.
        var rows = new List<string>();
        for (var id = 1; id <= 12; id++)
        {
            if (id == 7)
            {
                continue;
            }

            var second = (id - 1) / 2;
            rows.Add($"{id},{100 + id},1,{100 + id},{T0 + (second * S) + (id % 2 == 1 ? 100 : 600)},False,True");
        }

        dir.Write("BTCUSDT-trades-x.csv", [.. rows]);
        var bars = await ReplayTestFactory.Source(dir.Path).GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneSecond, T0, T0 + (10 * S), CancellationToken.None);

        // Second 0: first in the data (start unknown) -> dropped. Second 2: its closing trade (id 7) is missing -> dropped.
        // Second 3: its first trade is missing -> dropped. Second 5: never closed -> dropped. Seconds 1 and 4 remain.
        Assert.Equal([T0 + S, T0 + (4 * S)], bars.Select(b => b.OpenTimeMs));
        Assert.Equal((103d, 104d, 103d, 104d, 2d), (bars[0].Open, bars[0].High, bars[0].Low, bars[0].Close, bars[0].Volume));
        Assert.Equal((109d, 110d, 2L), (bars[1].Open, bars[1].Close, bars[1].TradeCount));
    }

    [Fact]
    public void Capabilities_describe_what_the_files_allow_for_the_configured_symbols()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-x.csv", $"{T0},10,11,9,10,1");
        dir.Write("ETHUSDT-1d-x.csv", $"{T0},10,11,9,10,1");
        dir.Write("BTCUSDT-1h-x.csv", $"{T0},10,11,9,10,1");

        var caps = ReplayTestFactory.Source(dir.Path).Capabilities;

        Assert.False(caps.StreamsTrades);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour], caps.StreamedKlineTimeframes);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay], caps.HistoricalTimeframes);

        dir.Write("BTCUSDT-trades-x.csv", $"1,10,1,10,{T0},True,True");
        var withTrades = ReplayTestFactory.Source(dir.Path).Capabilities;
        Assert.True(withTrades.StreamsTrades);
        Assert.Equal(TimeframeExtensions.All, withTrades.HistoricalTimeframes);
        Assert.Equal("Replay", ReplayTestFactory.Source(dir.Path).Name);
    }

    [Fact]
    public void AddReplayMarketData_registers_one_singleton_source_and_its_dependencies()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(new TradingOptions()));
        services.AddReplayMarketData();
        services.AddReplayMarketData();

        using var provider = services.BuildServiceProvider();
        var source = Assert.Single(provider.GetServices<IMarketDataSource>());
        Assert.IsType<ReplayMarketDataSource>(source);
        Assert.Same(source, provider.GetRequiredService<ReplayMarketDataSource>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetService<MarketDataMetrics>());
        Assert.Single(services, d => d.ServiceType == typeof(MarketDataMetrics));
    }

    [Fact]
    public void AddReplayMarketData_keeps_a_time_provider_registered_before()
    {
        var services = new ServiceCollection();
        var fake = new FakeTimeProvider();
        services.AddSingleton<TimeProvider>(fake);
        services.AddReplayMarketData();
        using var provider = services.BuildServiceProvider();
        Assert.Same(fake, provider.GetRequiredService<TimeProvider>());
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var i = 0; i < 1_000 && !condition(); i++)
        {
            await Task.Delay(5);
        }

        Assert.True(condition());
    }

    /// <summary>Notes the fake clock when each kline arrives.</summary>
    private sealed class TimedSink(TimeProvider time) : IMarketDataSink
    {
        private readonly List<DateTimeOffset> _klineTimes = [];

        public IReadOnlyList<DateTimeOffset> KlineTimes
        {
            get
            {
                lock (_klineTimes)
                {
                    return _klineTimes.ToList();
                }
            }
        }

        public ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken)
        {
            lock (_klineTimes)
            {
                _klineTimes.Add(time.GetUtcNow());
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
