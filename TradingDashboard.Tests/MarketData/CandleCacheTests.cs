using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.MarketData;

public sealed class CandleCacheTests
{
    private const long T0 = 1_727_776_800_000; // 2024-10-01 10:00 UTC
    private const long Minute = 60_000;

    private static OHLCVBar Bar(long index, double close, bool closed = true, string symbol = "ETHUSDT", Timeframe tf = Timeframe.OneMinute) =>
        new("Binance", symbol, tf, T0 + index * tf.DurationMs(), close, close, close, close, 1, closed);

    private static long[] Minutes(IEnumerable<OHLCVBar> bars) => bars.Select(b => (b.OpenTimeMs - T0) / Minute).ToArray();

    [Fact]
    public void Closed_candles_come_back_oldest_first_whatever_the_arrival_order()
    {
        var cache = new CandleCache(100);
        foreach (var i in new long[] { 3, 1, 4, 0, 2 })
        {
            Assert.True(cache.Update(Bar(i, i)));
        }

        Assert.Equal([0L, 1, 2, 3, 4], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10)));
        Assert.Equal([3L, 4], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 2)));
        Assert.Empty(cache.GetBars("ETHUSDT", Timeframe.OneHour, 10));
        Assert.Empty(cache.GetBars("BTCUSDT", Timeframe.OneMinute, 10));
    }

    [Fact]
    public void The_ring_keeps_the_newest_capacity_candles()
    {
        var cache = new CandleCache(5);
        for (var i = 0; i < 12; i++)
        {
            cache.Update(Bar(i, i));
        }

        Assert.Equal([7L, 8, 9, 10, 11], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 100)));

        // Older than everything in a full ring: ignored. Inside the window: inserted, oldest dropped.
        Assert.False(cache.Update(Bar(2, 2)));
        cache.Update(Bar(20, 20));
        cache.Update(Bar(15, 15));
        Assert.Equal([9L, 10, 11, 15, 20], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 100)));
    }

    [Fact]
    public void A_newer_version_replaces_the_candle_with_the_same_open_time()
    {
        var cache = new CandleCache(10);
        cache.Update(Bar(0, 1));
        cache.Update(Bar(1, 1));
        cache.Update(Bar(1, 5));

        var bars = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10);
        Assert.Equal([0L, 1], Minutes(bars));
        Assert.Equal(5, bars[1].Close);
    }

    [Fact]
    public void Forming_candle_is_last_replaced_by_newer_forming_and_by_its_close()
    {
        var cache = new CandleCache(10);
        cache.Update(Bar(0, 1));
        cache.Update(Bar(1, 2, closed: false));
        cache.Update(Bar(1, 3, closed: false));

        var bars = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10);
        Assert.Equal([0L, 1], Minutes(bars));
        Assert.False(bars[1].IsClosed);
        Assert.Equal(3, bars[1].Close);

        cache.Update(Bar(1, 4));
        bars = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10);
        Assert.Equal([0L, 1], Minutes(bars));
        Assert.True(bars[1].IsClosed);
        Assert.Equal(4, bars[1].Close);
        Assert.Null(cache.Forming("ETHUSDT", Timeframe.OneMinute));
    }

    [Fact]
    public void A_closed_candle_is_never_replaced_by_a_forming_one()
    {
        var cache = new CandleCache(10);
        cache.Update(Bar(0, 1));
        cache.Update(Bar(1, 2));

        Assert.False(cache.Update(Bar(1, 9, closed: false)));
        Assert.False(cache.Update(Bar(0, 9, closed: false)));

        var bars = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10);
        Assert.All(bars, b => Assert.True(b.IsClosed));
        Assert.Equal([1.0, 2], bars.Select(b => b.Close));
    }

    [Fact]
    public void An_older_forming_candle_does_not_replace_a_newer_one_and_a_close_drops_stale_forming()
    {
        var cache = new CandleCache(10);
        cache.Update(Bar(5, 5, closed: false));
        Assert.False(cache.Update(Bar(4, 4, closed: false)));
        Assert.Equal(5, cache.Forming("ETHUSDT", Timeframe.OneMinute)!.Close);

        // The forming candle of minute 5 never closed (e.g. feed switched); minute 6 closed: forming 5 goes away.
        cache.Update(Bar(6, 6));
        Assert.Equal([6L], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10)));
    }

    [Fact]
    public void Limit_counts_the_forming_candle()
    {
        var cache = new CandleCache(10);
        for (var i = 0; i < 4; i++)
        {
            cache.Update(Bar(i, i));
        }

        cache.Update(Bar(4, 4, closed: false));

        Assert.Equal([2L, 3, 4], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 3)));
        var one = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 1);
        Assert.False(Assert.Single(one).IsClosed);
    }

    [Fact]
    public void GetBars_returns_a_copy_that_later_updates_do_not_change()
    {
        var cache = new CandleCache(3);
        cache.Update(Bar(0, 0));
        cache.Update(Bar(1, 1, closed: false));
        var before = cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10);

        cache.Update(Bar(1, 7));
        cache.Update(Bar(2, 2));
        cache.Update(Bar(3, 3));

        Assert.Equal([0L, 1], Minutes(before));
        Assert.False(before[1].IsClosed);
        Assert.IsNotType<OHLCVBar[]>(before);
        Assert.Throws<NotSupportedException>(() => ((IList<OHLCVBar>)before).Add(Bar(9, 9)));
    }

    [Fact]
    public void Subscribers_hear_taken_updates_until_they_unsubscribe()
    {
        var cache = new CandleCache(10);
        var heard = new List<OHLCVBar>();
        var subscription = cache.Subscribe(heard.Add);

        cache.Update(Bar(0, 1, closed: false));
        cache.Update(Bar(0, 2));
        cache.Update(Bar(0, 3, closed: false)); // ignored: the candle is closed
        subscription.Dispose();
        cache.Update(Bar(1, 4));

        Assert.Equal([(1.0, false), (2.0, true)], heard.Select(b => (b.Close, b.IsClosed)));
    }

    [Fact]
    public void A_failing_subscriber_does_not_stop_the_others()
    {
        var cache = new CandleCache(10);
        var heard = 0;
        using var bad = cache.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var good = cache.Subscribe(_ => heard++);

        cache.Update(Bar(0, 1));

        Assert.Equal(1, heard);
        Assert.Single(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10));
    }

    [Fact]
    public void Load_warms_without_notifying_and_ignores_forming()
    {
        var cache = new CandleCache(10);
        var heard = 0;
        using var subscription = cache.Subscribe(_ => heard++);

        cache.Load([Bar(0, 0), Bar(1, 1), Bar(2, 2, closed: false), Bar(0, 0, tf: Timeframe.OneHour)]);

        Assert.Equal(0, heard);
        Assert.Equal([0L, 1], Minutes(cache.GetBars("ETHUSDT", Timeframe.OneMinute, 10)));
        Assert.Single(cache.GetBars("ETHUSDT", Timeframe.OneHour, 10));
    }

    [Fact]
    public void Series_are_kept_apart_by_symbol_and_timeframe()
    {
        var cache = new CandleCache(10);
        cache.Update(Bar(0, 1, symbol: "ETHUSDT"));
        cache.Update(Bar(0, 2, symbol: "BTCUSDT"));
        cache.Update(Bar(0, 3, tf: Timeframe.OneHour));

        Assert.Equal(1, cache.GetBars("ETHUSDT", Timeframe.OneMinute, 5).Single().Close);
        Assert.Equal(2, cache.GetBars("BTCUSDT", Timeframe.OneMinute, 5).Single().Close);
        Assert.Equal(3, cache.GetBars("ETHUSDT", Timeframe.OneHour, 5).Single().Close);
    }
}
