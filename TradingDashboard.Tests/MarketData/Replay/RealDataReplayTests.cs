using System.Globalization;
using System.IO.Compression;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.MarketData.Replay;

/// <summary>
/// Replay and aggregation checked against real Binance data in shared/data (found through <see cref="TestData"/>).
/// Expected values always come from the test's own line-by-line parse of the files, never from the code under test.
/// </summary>
public class RealDataReplayTests
{
    private const long Hour = 3_600_000;
    private const long Minute = 60_000;

    private static string OneMinuteFile => TestData.File("binance", "spot", "klines", "1m", "BTCUSDT-1m-2025-10-29_2025-11-01.full.csv.gz");

    private static string HourFile(string symbol) => TestData.File("binance", "spot", "klines", "1h", $"{symbol}-1h-2017-08-17_2026-07-26.ohlcv.csv.gz");

    private static string DayFile => TestData.File("binance", "spot", "klines", "1d", "BTCUSDT-1d-2017-08-17_2026-07-25.full.csv.gz");

    private static string Recording(string symbol, string day) => TestData.File("binance", "spot", "ws_recordings", $"{symbol.ToLowerInvariant()}_{day}.txt.gz");

    [Fact]
    public async Task Replaying_the_1m_file_yields_exactly_its_candles()
    {
        var expected = ParseKlines(OneMinuteFile);
        using var dir = new TempDirectory();
        dir.Link(OneMinuteFile);
        var metrics = new MarketDataMetrics();
        var sink = new RecordingSink();

        await ReplayTestFactory.Source(dir.Path, speed: 0, metrics: metrics, symbols: "BTCUSDT")
            .StreamAsync(ReplayTestFactory.Subscription("BTCUSDT"), sink, CancellationToken.None);

        var bars = sink.Klines;
        Assert.Equal(4319, expected.Count); // the README's row count for this file
        Assert.Equal(expected.Count, bars.Count);
        Assert.Equal(expected[0].Open, bars[0].OpenTimeMs);
        Assert.Equal(expected[^1].Open, bars[^1].OpenTimeMs);
        for (var i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var b = bars[i];
            Assert.Equal((e.Open, e.O, e.H, e.L, e.C, e.V, e.QuoteVolume, e.Trades), (b.OpenTimeMs, b.Open, b.High, b.Low, b.Close, b.Volume, b.QuoteVolume, b.TradeCount));
            Assert.Equal(("Replay", "BTCUSDT", Timeframe.OneMinute, true), (b.Source, b.Symbol, b.Timeframe, b.IsClosed));
        }

        Assert.Equal(0, metrics.TotalRejected("Replay"));
        Assert.Equal(expected.Count, metrics.AcceptedCount("Replay"));
    }

    [Fact]
    public void Rolling_the_1m_file_up_to_1h_equals_the_exchange_1h_candles_for_every_complete_hour()
    {
        var minutes = ParseKlines(OneMinuteFile);
        var completeHours = minutes.GroupBy(m => m.Open - (m.Open % Hour)).Where(g => g.Count() == 60).Select(g => g.Key).ToList();

        // 2025-10-29 04:22 .. 2025-11-01 04:20: complete hours 10-29 05:00 .. 11-01 03:00 = 19 + 24 + 24 + 4.
        Assert.Equal(71, completeHours.Count);

        var aggregator = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneHour]);
        var closed = new List<OHLCVBar>();
        foreach (var bar in KlineCsvReader.Read(OneMinuteFile, "Replay", "BTCUSDT", Timeframe.OneMinute))
        {
            Assert.True(aggregator.AddClosedKline(bar, closed));
        }

        var exchange = ParseKlines(HourFile("BTCUSDT"), completeHours[0], completeHours[^1]).ToDictionary(r => r.Open);
        var rolled = closed.ToDictionary(b => b.OpenTimeMs);
        foreach (var hour in completeHours)
        {
            AssertSameCandle(exchange[hour], rolled[hour]);
        }

        // The last hour (11-01 04:00) lacks its last minutes, so it is still forming, not closed.
        Assert.Equal(completeHours[^1] + Hour, aggregator.FormingOpenTime(Timeframe.OneHour));
    }

    [Fact]
    public async Task Replay_history_rolls_the_1m_file_up_to_exactly_the_exchange_1h_candles()
    {
        using var dir = new TempDirectory();
        dir.Link(OneMinuteFile);
        var minutes = ParseKlines(OneMinuteFile);

        var bars = await ReplayTestFactory.Source(dir.Path).GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneHour, minutes[0].Open - Hour, minutes[^1].Open + Hour, CancellationToken.None);

        // Only the 71 complete hours: the partial first (04:00, from 04:22) and last (04:00, to 04:20) hours are not served.
        var exchange = ParseKlines(HourFile("BTCUSDT"), bars[0].OpenTimeMs, bars[^1].OpenTimeMs);
        Assert.Equal(71, bars.Count);
        Assert.Equal(exchange.Select(e => e.Open), bars.Select(b => b.OpenTimeMs));
        foreach (var (e, b) in exchange.Zip(bars))
        {
            AssertSameCandle(e, b);
        }
    }

    [Fact]
    public async Task Replay_history_rolls_the_long_1h_file_up_to_the_exchange_1d_candles_of_2024()
    {
        using var dir = new TempDirectory();
        dir.Link(HourFile("BTCUSDT"));
        var from = DateTimeOffset.Parse("2024-01-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var to = DateTimeOffset.Parse("2024-12-31T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();

        var days = await ReplayTestFactory.Source(dir.Path).GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneDay, from, to, CancellationToken.None);

        var exchange = ParseKlines(DayFile, from, to);
        Assert.Equal(366, exchange.Count);
        Assert.Equal(exchange.Select(e => e.Open), days.Select(d => d.OpenTimeMs));
        foreach (var (e, d) in exchange.Zip(days))
        {
            AssertSameCandle(e, d);
        }
    }

    /// <summary>
    /// What the data allows for "a candle built from trades equals the exchange's candle": the only raw trades are the
    /// WebSocket recordings of 2024-08-08 23:54 to 2024-08-09 00:05, and there is no 1m kline file for those minutes,
    /// only the 1h file. So: 1s/1m/1h candles are built from the recorded trades; the recording is checked to miss no
    /// trade (ids consecutive); since it runs through midnight, the trade just before 00:00 must be the 23:00 hour's
    /// close and the trade just after it the 00:00 hour's open, as in the 1h file; and every 1m (and 1s) candle must lie
    /// inside its hour's high/low from the 1h file, with the 1s candles adding up to their minute.
    /// </summary>
    [Theory]
    [InlineData("BTCUSDT")]
    [InlineData("ETHUSDT")]
    public void Candles_built_from_recorded_trades_agree_with_the_exchange_1h_candles(string symbol)
    {
        var trades = BinanceRecordingReader.ReadTrades(Recording(symbol, "20240808"), "Replay", symbol)
            .Concat(BinanceRecordingReader.ReadTrades(Recording(symbol, "20240809"), "Replay", symbol)).ToList();
        for (var i = 1; i < trades.Count; i++)
        {
            Assert.Equal(trades[i - 1].TradeId + 1, trades[i].TradeId);
            Assert.True(trades[i].ExchangeTimeMs >= trades[i - 1].ExchangeTimeMs);
        }

        var midnight = DateTimeOffset.Parse("2024-08-09T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var lastBefore = trades.Last(t => t.ExchangeTimeMs < midnight);
        var firstAfter = trades.First(t => t.ExchangeTimeMs >= midnight);
        Assert.Equal(lastBefore.TradeId + 1, firstAfter.TradeId);

        var aggregator = new CandleAggregator("Replay", symbol, [Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour]);
        var closed = new List<OHLCVBar>();
        foreach (var t in trades)
        {
            Assert.True(aggregator.AddTrade(t, closed));
        }

        var hours = ParseKlines(HourFile(symbol), midnight - Hour, midnight).ToDictionary(r => r.Open);
        var h23 = hours[midnight - Hour];
        var h00 = hours[midnight];

        var built23 = Assert.Single(closed, b => b.Timeframe == Timeframe.OneHour);
        Assert.Equal(midnight - Hour, built23.OpenTimeMs);
        Assert.Equal(lastBefore.Price, built23.Close);
        Assert.Equal(h23.C, built23.Close);
        Assert.InRange(built23.High, h23.L, h23.H);
        Assert.InRange(built23.Low, h23.L, h23.H);

        var built00 = aggregator.Forming(Timeframe.OneHour)!;
        Assert.Equal(midnight, built00.OpenTimeMs);
        Assert.Equal(firstAfter.Price, built00.Open);
        Assert.Equal(h00.O, built00.Open);

        var builtMinutes = closed.Where(b => b.Timeframe == Timeframe.OneMinute).ToList();
        Assert.Equal(11, builtMinutes.Count); // 23:54 .. 00:04 closed; 00:05 still forming
        foreach (var m in builtMinutes)
        {
            var h = hours[m.OpenTimeMs - (m.OpenTimeMs % Hour)];
            Assert.InRange(m.High, h.L, h.H);
            Assert.InRange(m.Low, h.L, h.H);

            var seconds = closed.Where(b => b.Timeframe == Timeframe.OneSecond && b.OpenTimeMs >= m.OpenTimeMs && b.OpenTimeMs < m.OpenTimeMs + Minute).ToList();
            Assert.Equal(m.Open, seconds[0].Open);
            Assert.Equal(m.Close, seconds[^1].Close);
            Assert.Equal(m.High, seconds.Max(s => s.High));
            Assert.Equal(m.Low, seconds.Min(s => s.Low));
            Assert.Equal(m.TradeCount, seconds.Sum(s => s.TradeCount));
            Assert.Equal(m.Volume, seconds.Sum(s => s.Volume), m.Volume * 1e-9);
        }
    }

    [Fact]
    public async Task Replaying_the_recordings_streams_every_recorded_trade_in_order_and_serves_complete_1m_history()
    {
        using var dir = new TempDirectory();
        dir.Link(Recording("BTCUSDT", "20240808"));
        dir.Link(Recording("BTCUSDT", "20240809"));
        var source = ReplayTestFactory.Source(dir.Path, symbols: "BTCUSDT");
        var sink = new RecordingSink();

        await source.StreamAsync(ReplayTestFactory.Subscription("BTCUSDT"), sink, CancellationToken.None);

        // The README counts 9757 + 10147 trade messages in the two BTCUSDT files.
        var trades = sink.Trades;
        Assert.Equal(9757 + 10147, trades.Count);
        Assert.Equal(Enumerable.Range(0, trades.Count).Select(i => trades[0].TradeId + i), trades.Select(t => t.TradeId));
        Assert.All(trades, t => Assert.Equal(("Replay", t.ExchangeTimeMs), (t.Source, t.ReceivedTimeMs)));

        // 1m history from trades: 23:54 (recording starts 23:54:15) and 00:05 (never closed) are partial, so 23:55 .. 00:04.
        var midnight = DateTimeOffset.Parse("2024-08-09T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var minutes = await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneMinute, midnight - Hour, midnight + Hour, CancellationToken.None);
        Assert.Equal(Enumerable.Range(-5, 10).Select(k => midnight + (k * Minute)), minutes.Select(m => m.OpenTimeMs));
        var lastBefore = trades.Last(t => t.ExchangeTimeMs < midnight);
        Assert.Equal(lastBefore.Price, minutes.Single(m => m.OpenTimeMs == midnight - Minute).Close);
    }

    [Fact]
    public void One_minute_candles_built_from_trades_synthesised_from_real_klines_give_those_klines_back()
    {
        // Four trades per minute: the open first, then the high, the low, and the close in the minute's last millisecond;
        // quantities V/4, V/4, V/4 and the remainder, so that they add up to V exactly in double arithmetic.
        var klines = ParseKlines(OneMinuteFile).Take(240).ToList();
        var aggregator = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneMinute]);
        var closed = new List<OHLCVBar>();
        foreach (var k in klines)
        {
            var q = k.V * 0.25;
            var rest = k.V - (q + q + q);
            Assert.True(aggregator.AddTrade(k.O, q, k.Open, k.Open, closed));
            Assert.True(aggregator.AddTrade(k.H, q, k.Open + 15_000, k.Open + 15_000, closed));
            Assert.True(aggregator.AddTrade(k.L, q, k.Open + 30_000, k.Open + 30_000, closed));
            Assert.True(aggregator.AddTrade(k.C, rest, k.Open + Minute - 1, k.Open + Minute - 1, closed));
        }

        aggregator.CloseElapsed(klines[^1].Open + Minute, closed);

        Assert.Equal(klines.Count, closed.Count);
        foreach (var (k, b) in klines.Zip(closed))
        {
            Assert.Equal((k.Open, k.O, k.H, k.L, k.C, k.V), (b.OpenTimeMs, b.Open, b.High, b.Low, b.Close, b.Volume));
        }
    }

    [Fact]
    public async Task The_whole_shared_data_folder_works_as_a_replay_directory()
    {
        var source = ReplayTestFactory.Source(TestData.Directory!, symbols: ["BTCUSDT", "ETHUSDT"]);
        var catalog = source.Catalog;

        Assert.Equal(["BTCUSDT", "ETHUSDT"], catalog.Symbols);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay], catalog.KlineTimeframes("BTCUSDT"));
        Assert.Equal([ReplayFileKind.Recording, ReplayFileKind.Recording], catalog.TradeFiles("ETHUSDT").Select(f => f.Kind));
        Assert.Contains(catalog.Ignored, p => p.EndsWith("README.md", StringComparison.Ordinal));
        Assert.True(source.Capabilities.StreamsTrades);

        // Two BTC 1d files cover the same days; the full-format rows (with trade counts) are the ones served.
        var from = DateTimeOffset.Parse("2024-06-01T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var to = DateTimeOffset.Parse("2024-06-30T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var days = await source.GetHistoricalBarsAsync("BTCUSDT", Timeframe.OneDay, from, to, CancellationToken.None);
        var expected = ParseKlines(DayFile, from, to);
        Assert.Equal(30, days.Count);
        Assert.Equal(expected.Select(e => (e.Open, e.C, e.Trades)), days.Select(d => (d.OpenTimeMs, d.Close, d.TradeCount)));

        // 1s history exists only where raw trades do: the recorded minutes of 2024-08-08/09.
        var midnight = DateTimeOffset.Parse("2024-08-09T00:00:00Z", CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
        var seconds = await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneSecond, midnight - Hour, midnight + Hour, CancellationToken.None);
        Assert.NotEmpty(seconds);
        Assert.All(seconds, s => Assert.InRange(s.OpenTimeMs, midnight - (6 * Minute), midnight + (6 * Minute)));
        Assert.Empty(await source.GetHistoricalBarsAsync("ETHUSDT", Timeframe.OneSecond, from, to, CancellationToken.None));
    }

    private static void AssertSameCandle(Row expected, OHLCVBar actual)
    {
        Assert.Equal(expected.Open, actual.OpenTimeMs);
        Assert.Equal((expected.O, expected.H, expected.L, expected.C), (actual.Open, actual.High, actual.Low, actual.Close));
        Assert.True(Math.Abs(expected.V - actual.Volume) <= 1e-9 * Math.Max(1, Math.Abs(expected.V)), $"volume at {expected.Open}: expected {expected.V}, got {actual.Volume}");
        Assert.True(actual.IsClosed);
    }

    private sealed record Row(long Open, double O, double H, double L, double C, double V, double QuoteVolume, long Trades);

    /// <summary>The test's own reader: gunzip, skip the header, split on commas, parse invariant numbers.</summary>
    private static List<Row> ParseKlines(string path, long from = long.MinValue, long to = long.MaxValue)
    {
        var rows = new List<Row>();
        using var reader = new StreamReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        _ = reader.ReadLine();
        while (reader.ReadLine() is { } line)
        {
            var f = line.Split(',');
            var open = long.Parse(f[0], CultureInfo.InvariantCulture);
            if (open < from || open > to)
            {
                continue;
            }

            rows.Add(new Row(
                open,
                double.Parse(f[1], CultureInfo.InvariantCulture),
                double.Parse(f[2], CultureInfo.InvariantCulture),
                double.Parse(f[3], CultureInfo.InvariantCulture),
                double.Parse(f[4], CultureInfo.InvariantCulture),
                double.Parse(f[5], CultureInfo.InvariantCulture),
                f.Length > 7 ? double.Parse(f[7], CultureInfo.InvariantCulture) : 0,
                f.Length > 8 ? long.Parse(f[8], CultureInfo.InvariantCulture) : 0));
        }

        return rows;
    }
}
