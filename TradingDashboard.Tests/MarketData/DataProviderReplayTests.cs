using System.Collections.Concurrent;
using System.Globalization;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.MarketData.Replay;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.MarketData;

/// <summary>
/// The DataProvider with the real Replay source over small generated files: the end of a replay, and a replay of old
/// data while the clock (a FakeTimeProvider) stands years later.
/// </summary>
public sealed class DataProviderReplayTests
{
    /// <summary>2024-01-01 00:00:00 UTC: the replayed data.</summary>
    private const long T0 = 1_704_067_200_000;

    private const long M = 60_000;
    private const long H = 3_600_000;

    /// <summary>The wall clock of the tests: 2026-01-01 12:00 UTC, two years after the data.</summary>
    private static readonly DateTimeOffset Today = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Alert[] MarketDataAlerts(DataProviderHarness h) =>
        h.Alerts.Recent().Where(a => a.Category == DataProvider.AlertCategory).Reverse().ToArray();

    private static SourceStatus SourceState(DataProviderHarness h, string name) => h.Status.Current.Sources.Single(s => s.Name == name);

    /// <summary>Binance-dump rows (open time, OHLCV, close time) of <paramref name="count"/> bars from <paramref name="firstOpenMs"/>; prices swing so pivots form.</summary>
    private static string[] Rows(long firstOpenMs, long durationMs, int count, double basePrice)
    {
        var rows = new string[count];
        for (var i = 0; i < count; i++)
        {
            var open = firstOpenMs + (i * durationMs);
            var index = open / durationMs;
            var o = basePrice + (10 * Math.Sin(index / 5.0));
            var c = basePrice + (10 * Math.Sin((index + 1) / 5.0));
            var hi = Math.Max(o, c) + 1 + (index % 3);
            var lo = Math.Min(o, c) - 1 - (index % 2);
            rows[i] = string.Create(CultureInfo.InvariantCulture, $"{open},{o:0.00},{hi:0.00},{lo:0.00},{c:0.00},{1 + (index % 7)},{open + durationMs - 1}");
        }

        return rows;
    }

    private static DataProviderHarness Harness(TempDirectory dir, string[] symbols, IReadOnlyList<IMarketDataSource> extra, int backfillCandles)
    {
        var replay = ReplayTestFactory.Source(dir.Path, speed: 0, symbols: symbols);
        return new DataProviderHarness(Today, [replay, .. extra], o =>
        {
            o.Symbols = [.. symbols];
            o.MarketData.ReplayDirectory = dir.Path;
            o.MarketData.BackfillCandles = backfillCandles;
            o.MarketData.ProbeIntervalSeconds = 5;
        });
    }

    [Fact]
    public async Task The_end_of_a_replay_is_an_ended_source_with_an_info_alert_and_no_fallback_or_probe()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-2024-01-01.csv", Rows(T0, M, 5, 2000));
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = Harness(dir, [Symbol], [binance], backfillCandles: 10);

        h.Start();
        await WaitUntilAsync(() => SourceState(h, "Replay").State == SourceConnectionState.Ended, "the replay ends");

        var replay = SourceState(h, "Replay");
        Assert.Contains("replay finished", replay.Detail, StringComparison.Ordinal);
        Assert.Contains("(5 messages)", replay.Detail, StringComparison.Ordinal);
        var alert = Assert.Single(MarketDataAlerts(h));
        Assert.Equal(AlertSeverity.Info, alert.Severity);
        Assert.Contains("Replay: replay finished", alert.Message, StringComparison.Ordinal);

        // Still the active source, shown as finished on every symbol: not an outage.
        Assert.Equal("Replay", h.Status.Current.ActiveSource);
        Assert.Equal(SourceConnectionState.Ended, h.Status.Current.Symbols.Single().State);
        Assert.Equal(5, h.Bars(Timeframe.OneMinute).Count);

        // Several probe intervals later: the next source was neither started nor probed, and nothing else was raised.
        await h.AdvanceAsync(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));
        Assert.Equal(0, binance.Sessions);
        Assert.Empty(binance.HistoryRequests);
        Assert.Single(MarketDataAlerts(h));
        Assert.Equal(SourceConnectionState.Ended, SourceState(h, "Replay").State);
        Assert.Equal(SourceConnectionState.Idle, SourceState(h, "Binance").State);
    }

    [Fact]
    public async Task A_finished_replay_that_was_a_fallback_keeps_probing_the_preferred_source()
    {
        using var dir = new TempDirectory();
        dir.Write("ETHUSDT-1m-2024-01-01.csv", Rows(T0, M, 3, 2000));
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities) { StreamFailure = new IOException("offline"), HistoryFails = true };
        var replay = ReplayTestFactory.Source(dir.Path, speed: 0, symbols: [Symbol]);
        await using var h = new DataProviderHarness(Today, [binance, replay], o =>
        {
            o.MarketData.ReplayDirectory = dir.Path;
            o.MarketData.ProbeIntervalSeconds = 5;
        });

        h.Start();
        await WaitUntilAsync(() => SourceState(h, "Replay").State == SourceConnectionState.Ended, "the replay ends");
        var before = binance.HistoryRequests.Count;

        // Binance comes back: the probe finds it and the chain returns to it.
        binance.HistoryFails = false;
        binance.StreamFailure = null;
        await h.AdvanceUntilAsync(() => h.Provider.ActiveSource == "Binance", TimeSpan.FromSeconds(1), 30, "Binance takes over again");

        Assert.True(binance.HistoryRequests.Count > before);
        var alerts = MarketDataAlerts(h);
        Assert.Equal(AlertSeverity.Warning, alerts[0].Severity); // Binance failed
        Assert.Equal((AlertSeverity.Info, true), (alerts[1].Severity, alerts[1].Message.Contains("replay finished", StringComparison.Ordinal)));
        Assert.DoesNotContain(alerts.Skip(1), a => a.Severity != AlertSeverity.Info);
    }

    [Fact]
    public async Task Replay_backfill_windows_count_back_from_the_replay_clock_not_the_wall_clock()
    {
        using var dir = new TempDirectory();

        // 1m klines 02:00-02:59 on 2024-01-01; 1h history the day before and, like shared/data, also right up to "today".
        dir.Write("ETHUSDT-1m-2024-01-01.csv", Rows(T0 + (2 * H), M, 60, 2000));
        dir.Write("ETHUSDT-1h-2023-12.csv", Rows(T0 - (24 * H), H, 26, 2000));
        var todayMs = Today.ToUnixTimeMilliseconds();
        dir.Write("ETHUSDT-1h-2025-12.csv", Rows((todayMs / H * H) - (48 * H), H, 48, 2100));
        await using var h = Harness(dir, [Symbol], [], backfillCandles: 10);

        h.Start();
        await WaitUntilAsync(() => SourceState(h, "Replay").State == SourceConnectionState.Ended, "the replay ends");

        // Replay time at the start is 02:01 minus 1 ms (the first kline's close): the ten hours before 02:00 are history,
        // and the 02:00 hour is rolled up from the replayed minutes. Nothing near the wall clock's 2026.
        var expected = Enumerable.Range(-8, 11).Select(i => T0 + (i * H)).ToArray();
        Assert.Equal(expected, h.Bars(Timeframe.OneHour).Select(b => b.OpenTimeMs).ToArray());
        Assert.All(h.Bars(Timeframe.OneHour), b => Assert.True(b.IsClosed));
        Assert.Equal(60, h.Bars(Timeframe.OneMinute).Count);
        Assert.Equal(T0 + (3 * H), h.Status.Current.LastCandleAt!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task A_replay_starting_mid_hour_rolls_up_no_partial_first_hour()
    {
        using var dir = new TempDirectory();

        // 1m klines 00:37 to 02:29: the 00:00 hour lacks its first 37 minutes, 01:00 is whole, 02:00 is in progress.
        dir.Write("ETHUSDT-1m-2024-01-01.csv", Rows(T0 + (37 * M), M, 113, 2000));
        await using var h = Harness(dir, [Symbol], [], backfillCandles: 10);

        h.Start();
        await WaitUntilAsync(() => SourceState(h, "Replay").State == SourceConnectionState.Ended, "the replay ends");

        var hours = h.Bars(Timeframe.OneHour);
        Assert.Equal(new[] { (T0 + H, true), (T0 + (2 * H), false) }, hours.Select(b => (b.OpenTimeMs, b.IsClosed)).ToArray());

        // The 01:00 candle is its 60 minutes, rolled up by hand.
        var minutes = h.Bars(Timeframe.OneMinute).Where(b => b.OpenTimeMs >= T0 + H && b.OpenTimeMs < T0 + (2 * H)).ToList();
        Assert.Equal(60, minutes.Count);
        var hour = hours[0];
        Assert.Equal((minutes[0].Open, minutes.Max(b => b.High), minutes.Min(b => b.Low), minutes[^1].Close), (hour.Open, hour.High, hour.Low, hour.Close));
        Assert.Equal(minutes.Sum(b => b.Volume), hour.Volume, 9);
    }

    [Fact]
    public async Task A_full_replay_of_two_symbols_builds_frames_and_none_is_skipped_as_stale_reference()
    {
        string[] symbols = ["ETHUSDT", "BTCUSDT"];
        using var dir = new TempDirectory();
        var todayMs = Today.ToUnixTimeMilliseconds();
        foreach (var (symbol, price) in new[] { ("ETHUSDT", 2000.0), ("BTCUSDT", 40000.0) })
        {
            // Four replayed hours of 1m klines from 2024-01-01 00:00, three days of 1h history before them, and 1h files that
            // (like shared/data) also run up to the wall clock.
            dir.Write($"{symbol}-1m-2024-01-01.csv", Rows(T0, M, 240, price));
            dir.Write($"{symbol}-1h-2023-12.csv", Rows(T0 - (72 * H), H, 72, price));
            dir.Write($"{symbol}-1h-2025-12.csv", Rows((todayMs / H * H) - (96 * H), H, 96, price * 1.5));
        }

        await using var h = Harness(dir, symbols, [], backfillCandles: 48);
        var closed = new ConcurrentQueue<OHLCVBar>();
        using var subscription = h.Cache.Subscribe(bar =>
        {
            if (bar.IsClosed)
            {
                closed.Enqueue(bar);
            }
        });

        h.Start();
        await WaitUntilAsync(() => SourceState(h, "Replay").State == SourceConnectionState.Ended, "the replay ends");

        // The data processor's logic, fed the closed candles in the order the cache published them (as the stage is).
        const int window = 8;
        var features = new FeatureSettings
        {
            Symbols = symbols,
            Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
            OptionalTimeframes = [],
            AnchorTimeframe = Timeframe.OneMinute,
            WindowLength = window,
            NormalizationLevel = 1,
        };
        var processor = new DataProcessor(new DataProcessorSettings
        {
            Symbols = symbols,
            Timeframes = [Timeframe.OneMinute, Timeframe.OneHour],
            Features = features,
            Pivots = features.Pivots,
            HistoryBars = 0,
        });
        var output = new ProcessorOutput();
        var outcomes = new List<FrameOutcome>();
        foreach (var bar in closed)
        {
            output.Clear();
            processor.Process(bar, output);
            outcomes.AddRange(output.Frames);
        }

        output.Clear();
        processor.Flush(output);
        outcomes.AddRange(output.Frames);

        // Every replayed ETH minute is an anchor, once; the 1h history ends where the replay starts.
        Assert.Equal(Enumerable.Range(0, 240).Select(i => T0 + (i * M)), outcomes.Select(o => o.AnchorOpenTimeMs));
        var counts = processor.FrameCounts;
        Assert.Equal(0, counts.SkippedStaleReference);
        Assert.Equal(0, counts.SkippedGap);
        Assert.All(h.Bars(Timeframe.OneHour, "BTCUSDT"), b => Assert.True(b.OpenTimeMs < T0 + (4 * H)));

        // Past the first hour (1m windows and level-1 pivot bounds long warmed up) every anchor is built.
        Assert.All(outcomes.Where(o => o.AnchorOpenTimeMs >= T0 + H), o => Assert.NotNull(o.Frame));
        Assert.True(counts.Built >= 180, $"only {counts.Built} frames built");
    }
}
