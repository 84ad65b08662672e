using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Tests.Storage;

public sealed class SqliteCandleStoreTests : IDisposable
{
    private const long T0 = 1_727_776_800_000; // 2024-10-01 10:00 UTC
    private const long Minute = 60_000;
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    private static OHLCVBar Bar(string source, long openMs, double close, Timeframe tf = Timeframe.OneMinute, string symbol = "ETHUSDT", bool closed = true) =>
        new(source, symbol, tf, openMs, close - 1, close + 2, close - 3, close, 10 + close / 1000, closed)
        {
            QuoteVolume = close * 10,
            TradeCount = 7,
            ExchangeTimeMs = openMs + 59_999,
            ReceivedTimeMs = openMs + 60_010,
        };

    [Fact]
    public async Task Upsert_twice_keeps_one_row_per_candle_and_the_latest_values()
    {
        var store = new SqliteCandleStore(_db.Database);
        var bars = Enumerable.Range(0, 5).Select(i => Bar("Binance", T0 + i * Minute, 2000 + i)).ToList();

        Assert.Equal(5, await store.UpsertAsync(bars));
        Assert.Equal(5, await store.UpsertAsync(bars));
        Assert.Equal(5, await store.CountAsync("ETHUSDT", Timeframe.OneMinute));

        var corrected = Bar("Binance", T0 + 2 * Minute, 2222);
        await store.UpsertAsync([corrected]);

        Assert.Equal(5, await store.CountAsync("ETHUSDT", Timeframe.OneMinute));
        var read = await store.GetRangeAsync("ETHUSDT", Timeframe.OneMinute, T0, T0 + 10 * Minute);
        Assert.Equal([2000.0, 2001, 2222, 2003, 2004], read.Select(b => b.Close));
        Assert.Equal(corrected, read[2]);
    }

    [Fact]
    public async Task Candles_survive_a_reopen_with_every_field()
    {
        var bar = Bar("Mexc", T0, 1234.5, Timeframe.OneHour, "BTCUSDT");
        await new SqliteCandleStore(_db.Database).UpsertAsync([bar]);

        var reopened = new SqliteCandleStore(_db.Open());
        var read = await reopened.GetLatestAsync("BTCUSDT", Timeframe.OneHour, 10);

        Assert.Equal([bar], read);
        Assert.Equal(T0, await reopened.GetLatestOpenTimeAsync("BTCUSDT", Timeframe.OneHour));
    }

    [Fact]
    public async Task Forming_candles_are_not_stored()
    {
        var store = new SqliteCandleStore(_db.Database);
        var written = await store.UpsertAsync([Bar("Binance", T0, 1, closed: false), Bar("Binance", T0 + Minute, 2)]);

        Assert.Equal(1, written);
        var read = await store.GetLatestAsync("ETHUSDT", Timeframe.OneMinute, 10);
        Assert.Equal([T0 + Minute], read.Select(b => b.OpenTimeMs));
    }

    [Fact]
    public async Task Latest_returns_the_newest_candles_oldest_first_with_one_per_open_time()
    {
        var store = new SqliteCandleStore(_db.Database);
        await store.UpsertAsync(Enumerable.Range(0, 10).Select(i => Bar("Binance", T0 + i * Minute, 100 + i)).ToList());
        // A second source overlapping the last three minutes: its copies must not crowd out older candles.
        await store.UpsertAsync(Enumerable.Range(7, 3).Select(i => Bar("Mexc", T0 + i * Minute, 200 + i)).ToList());
        // Other series must not leak in.
        await store.UpsertAsync([Bar("Binance", T0 + 20 * Minute, 5, symbol: "BTCUSDT"), Bar("Binance", T0 + 20 * Minute, 6, Timeframe.OneHour)]);

        var latest = await store.GetLatestAsync("ETHUSDT", Timeframe.OneMinute, 4);

        Assert.Equal(new[] { 6L, 7, 8, 9 }.Select(i => T0 + i * Minute), latest.Select(b => b.OpenTimeMs));
        // The last written copy wins: Mexc's for minutes 7..9.
        Assert.Equal(["Binance", "Mexc", "Mexc", "Mexc"], latest.Select(b => b.Source));
        Assert.Equal([106.0, 207, 208, 209], latest.Select(b => b.Close));
    }

    [Fact]
    public async Task Merged_reads_prefer_the_copy_written_last()
    {
        var store = new SqliteCandleStore(_db.Database);
        await store.UpsertAsync([Bar("Binance", T0, 1)]);
        await store.UpsertAsync([Bar("Mexc", T0, 2)]);
        Assert.Equal("Mexc", (await store.GetLatestAsync("ETHUSDT", Timeframe.OneMinute, 1)).Single().Source);

        await store.UpsertAsync([Bar("Binance", T0, 3)]);
        var read = (await store.GetRangeAsync("ETHUSDT", Timeframe.OneMinute, T0, T0)).Single();
        Assert.Equal(("Binance", 3.0), (read.Source, read.Close));

        // The order survives a reopen (sequence continues from the stored maximum).
        var reopened = new SqliteCandleStore(_db.Open());
        await reopened.UpsertAsync([Bar("Mexc", T0, 4)]);
        Assert.Equal(4.0, (await reopened.GetLatestAsync("ETHUSDT", Timeframe.OneMinute, 1)).Single().Close);
        Assert.Equal(2, await reopened.CountAsync("ETHUSDT", Timeframe.OneMinute));
    }

    [Fact]
    public async Task Range_bounds_are_inclusive_and_a_source_filter_reads_only_that_source()
    {
        var store = new SqliteCandleStore(_db.Database);
        await store.UpsertAsync(Enumerable.Range(0, 6).Select(i => Bar("Binance", T0 + i * Minute, i)).ToList());
        await store.UpsertAsync([Bar("Mexc", T0 + 2 * Minute, 50)]);

        var merged = await store.GetRangeAsync("ETHUSDT", Timeframe.OneMinute, T0 + Minute, T0 + 3 * Minute);
        Assert.Equal([1.0, 50, 3], merged.Select(b => b.Close));

        var binance = await store.GetRangeAsync("ETHUSDT", Timeframe.OneMinute, T0 + Minute, T0 + 3 * Minute, "Binance");
        Assert.Equal([1.0, 2, 3], binance.Select(b => b.Close));
        Assert.Equal(1, await store.CountAsync("ETHUSDT", Timeframe.OneMinute, "Mexc"));
    }

    [Fact]
    public async Task Latest_open_time_per_series()
    {
        var store = new SqliteCandleStore(_db.Database);
        Assert.Null(await store.GetLatestOpenTimeAsync("ETHUSDT", Timeframe.OneMinute));

        await store.UpsertAsync(
        [
            Bar("Binance", T0, 1), Bar("Mexc", T0 + 3 * Minute, 1), Bar("Binance", T0 + Minute, 1),
            Bar("Binance", T0, 1, Timeframe.OneHour), Bar("Binance", T0 + 5 * Minute, 1, symbol: "BTCUSDT"),
        ]);

        Assert.Equal(T0 + 3 * Minute, await store.GetLatestOpenTimeAsync("ETHUSDT", Timeframe.OneMinute));
        var all = await store.GetLatestOpenTimesAsync();
        Assert.Equal(3, all.Count);
        Assert.Equal(T0 + 3 * Minute, all[new CandleSeriesKey("ETHUSDT", Timeframe.OneMinute)]);
        Assert.Equal(T0, all[new CandleSeriesKey("ETHUSDT", Timeframe.OneHour)]);
        Assert.Equal(T0 + 5 * Minute, all[new CandleSeriesKey("BTCUSDT", Timeframe.OneMinute)]);
    }

    [Fact]
    public async Task A_large_batch_goes_in_whole()
    {
        var store = new SqliteCandleStore(_db.Database);
        var bars = Enumerable.Range(0, 20_000).Select(i => Bar("Binance", T0 + i * Minute, 1000 + (i % 97))).ToList();

        Assert.Equal(20_000, await store.UpsertAsync(bars));

        Assert.Equal(20_000, await store.CountAsync("ETHUSDT", Timeframe.OneMinute));
        var last = (await store.GetLatestAsync("ETHUSDT", Timeframe.OneMinute, 1)).Single();
        Assert.Equal(bars[^1], last);
    }
}
