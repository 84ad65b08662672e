using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.MarketData;

/// <summary>Expected candles are worked out by hand in the comments (or by the naive reference in the last test).</summary>
public class CandleAggregatorTests
{
    /// <summary>2024-01-01 00:00:00 UTC.</summary>
    private const long T0 = 1_704_067_200_000;

    private const long Second = 1_000;
    private const long Minute = 60_000;
    private const long Hour = 3_600_000;
    private const long Day = 86_400_000;

    private static CandleAggregator AllFour() => new("Test", "BTCUSDT", TimeframeExtensions.All);

    [Fact]
    public void Trades_within_a_second_form_one_candle_and_the_next_second_closes_it()
    {
        var agg = AllFour();
        var closed = new List<OHLCVBar>();
        Assert.True(agg.AddTrade(100, 1, T0 + 100, T0 + 110, closed));
        Assert.True(agg.AddTrade(105, 2, T0 + 500, T0 + 510, closed));
        Assert.True(agg.AddTrade(98, 0.5, T0 + 900, T0 + 910, closed));
        Assert.Empty(closed);

        Assert.True(agg.AddTrade(101, 1, T0 + 1_000, T0 + 1_010, closed));

        // Only the 1s candle [T0, T0+1s) closes: O 100, H 105, L 98, C 98, V 1+2+0.5, QV 100+210+49.
        var bar = Assert.Single(closed);
        Assert.Equal(new OHLCVBar("Test", "BTCUSDT", Timeframe.OneSecond, T0, 100, 105, 98, 98, 3.5, true), bar with { QuoteVolume = 0, TradeCount = 0, ExchangeTimeMs = 0, ReceivedTimeMs = 0 });
        Assert.Equal(359, bar.QuoteVolume);
        Assert.Equal(3, bar.TradeCount);
        Assert.Equal(T0 + 900, bar.ExchangeTimeMs);
        Assert.Equal(T0 + 910, bar.ReceivedTimeMs);

        // The minute is still forming and holds all four trades.
        var minute = agg.Forming(Timeframe.OneMinute)!;
        Assert.False(minute.IsClosed);
        Assert.Equal((T0, 100d, 105d, 98d, 101d, 4.5, 4L), (minute.OpenTimeMs, minute.Open, minute.High, minute.Low, minute.Close, minute.Volume, minute.TradeCount));
        var second = agg.Forming(Timeframe.OneSecond)!;
        Assert.Equal((T0 + Second, 101d, 1d), (second.OpenTimeMs, second.Open, second.Volume));
    }

    [Fact]
    public void A_trade_at_midnight_closes_second_minute_hour_and_day_smallest_first()
    {
        var agg = AllFour();
        var closed = new List<OHLCVBar>();
        agg.AddTrade(10, 1, T0, T0, closed);

        // 05:00:00.007 is a new second, minute and hour but the same day: three candles of T0 close, each O=H=L=C=10, V=1.
        agg.AddTrade(12, 1, T0 + (5 * Hour) + 7, T0 + (5 * Hour) + 7, closed);
        Assert.Equal([Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour], closed.Select(b => b.Timeframe));
        Assert.All(closed, b => Assert.Equal((T0, 10d, 10d, 10d, 10d, 1d), (b.OpenTimeMs, b.Open, b.High, b.Low, b.Close, b.Volume)));
        closed.Clear();

        // 23:59:59.999, still day one.
        agg.AddTrade(11, 2, T0 + Day - 1, T0 + Day - 1, closed);
        Assert.Equal(3, closed.Count);
        closed.Clear();

        // 00:00:00.000 of day two closes all four.
        agg.AddTrade(13, 1, T0 + Day, T0 + Day, closed);
        Assert.Equal([Timeframe.OneSecond, Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay], closed.Select(b => b.Timeframe));
        Assert.Equal(T0 + Day - Second, closed[0].OpenTimeMs);
        Assert.Equal(T0 + Day - Minute, closed[1].OpenTimeMs);
        Assert.Equal(T0 + Day - Hour, closed[2].OpenTimeMs);
        Assert.Equal(T0, closed[3].OpenTimeMs);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal((11d, 11d, 11d, 11d, 2d, 1L), (closed[i].Open, closed[i].High, closed[i].Low, closed[i].Close, closed[i].Volume, closed[i].TradeCount));
        }

        // Day: trades 10 x1, 12 x1, 11 x2 -> O 10, H 12, L 10, C 11, V 4, QV 10+12+22 = 44, 3 trades.
        var day = closed[3];
        Assert.Equal((10d, 12d, 10d, 11d, 4d, 44d, 3L), (day.Open, day.High, day.Low, day.Close, day.Volume, day.QuoteVolume, day.TradeCount));
        Assert.True(day.IsClosed);
        Assert.Equal(T0 + Day, agg.FormingOpenTime(Timeframe.OneDay));
    }

    [Fact]
    public void A_trade_before_the_current_second_is_late_and_changes_nothing()
    {
        var agg = AllFour();
        var closed = new List<OHLCVBar>();
        agg.AddTrade(100, 1, T0 + 1_500, T0 + 1_500, closed);
        var before = agg.Forming(Timeframe.OneMinute);

        Assert.False(agg.AddTrade(50, 9, T0 + 999, T0 + 2_000, closed));
        Assert.Empty(closed);
        Assert.Equal(before, agg.Forming(Timeframe.OneMinute));

        // Earlier than the last trade but inside the current second: accepted (the period is still open).
        Assert.True(agg.AddTrade(99, 1, T0 + 1_000, T0 + 2_000, closed));
        Assert.Equal((100d, 99d, 2d), (agg.Forming(Timeframe.OneSecond)!.Open, agg.Forming(Timeframe.OneSecond)!.Close, agg.Forming(Timeframe.OneSecond)!.Volume));
    }

    [Fact]
    public void CloseElapsed_closes_only_periods_that_ended_and_then_refuses_trades_for_them()
    {
        var agg = AllFour();
        var closed = new List<OHLCVBar>();
        agg.AddTrade(50, 2, T0 + 100, T0 + 100, closed);

        agg.CloseElapsed(T0 + 999, closed);
        Assert.Empty(closed);

        agg.CloseElapsed(T0 + Second, closed);
        var s = Assert.Single(closed);
        Assert.Equal((Timeframe.OneSecond, T0, true), (s.Timeframe, s.OpenTimeMs, s.IsClosed));
        closed.Clear();

        // The closed second must never change nor be published twice: a trade for it is late now.
        Assert.False(agg.AddTrade(51, 1, T0 + 500, T0 + 1_200, closed));
        Assert.Empty(closed);

        agg.CloseElapsed(T0 + Hour, closed);
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour], closed.Select(b => b.Timeframe));
        Assert.All(closed, b => Assert.Equal((50d, 2d), (b.Close, b.Volume)));
        closed.Clear();

        agg.CloseElapsed(T0 + Hour, closed);
        Assert.Empty(closed);
        Assert.NotNull(agg.Forming(Timeframe.OneDay));
        Assert.Null(agg.Forming(Timeframe.OneHour));

        // A trade in a later hour opens new 1s/1m/1h candles and joins the still-open day: no day candle closes.
        Assert.True(agg.AddTrade(55, 1, T0 + Hour + 5, T0 + Hour + 5, closed));
        Assert.Empty(closed);
        var day = agg.Forming(Timeframe.OneDay)!;
        Assert.Equal((50d, 55d, 50d, 55d, 3d), (day.Open, day.High, day.Low, day.Close, day.Volume));
    }

    [Fact]
    public void Reset_forgets_forming_candles_but_keeps_closed_periods_closed()
    {
        var agg = new CandleAggregator("Binance", "ETHUSDT", [Timeframe.OneMinute]);
        var closed = new List<OHLCVBar>();
        agg.AddTrade(10, 1, T0, T0, closed);
        agg.AddTrade(11, 1, T0 + Minute, T0 + Minute, closed);
        Assert.Single(closed);
        closed.Clear();

        agg.Reset();
        agg.SetSource("Mexc");
        Assert.Null(agg.Forming(Timeframe.OneMinute));

        Assert.False(agg.AddTrade(9, 1, T0 + 30_000, T0 + 30_000, closed));
        Assert.True(agg.AddTrade(12, 3, T0 + Minute + 10, T0 + Minute + 10, closed));
        var forming = agg.Forming(Timeframe.OneMinute)!;
        Assert.Equal(("Mexc", 12d, 3d, 1L), (forming.Source, forming.Open, forming.Volume, forming.TradeCount));
    }

    private static OHLCVBar Kline(Timeframe tf, long open, double o, double h, double l, double c, double v, double qv = 0, long n = 0) =>
        new("Binance", "BTCUSDT", tf, open, o, h, l, c, v, true) { QuoteVolume = qv, TradeCount = n, ExchangeTimeMs = open + tf.DurationMs() - 1 };

    [Fact]
    public void Kline_rollup_closes_the_hour_on_its_last_minute_and_the_day_on_its_last_minute()
    {
        var agg = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneHour, Timeframe.OneDay]);
        var closed = new List<OHLCVBar>();
        var h22 = T0 + (22 * Hour);
        var h23 = T0 + (23 * Hour);

        Assert.True(agg.AddClosedKline(Kline(Timeframe.OneMinute, h22 + (58 * Minute), 10, 12, 9, 11, 1, 10.5, 3), closed));
        Assert.Empty(closed);

        // 22:59 is the hour's last minute: the hour closes at once. O 10 (22:58's open), H 13, L 9, C 12, V 3, QV 10.5+24, 3+4 trades.
        Assert.True(agg.AddClosedKline(Kline(Timeframe.OneMinute, h22 + (59 * Minute), 11, 13, 10, 12, 2, 24, 4), closed));
        var hour = Assert.Single(closed);
        Assert.Equal((Timeframe.OneHour, h22, 10d, 13d, 9d, 12d, 3d, 34.5, 7L, true),
            (hour.Timeframe, hour.OpenTimeMs, hour.Open, hour.High, hour.Low, hour.Close, hour.Volume, hour.QuoteVolume, hour.TradeCount, hour.IsClosed));
        Assert.Equal("Replay", hour.Source);
        Assert.Equal(h22 + Hour - 1, hour.ExchangeTimeMs);
        closed.Clear();

        // 23:59 is the last minute of both the 23:00 hour and the day: hour first, then the day.
        Assert.True(agg.AddClosedKline(Kline(Timeframe.OneMinute, h23 + (59 * Minute), 12, 12.5, 8, 9, 4, 40, 5), closed));
        Assert.Equal(2, closed.Count);
        Assert.Equal((Timeframe.OneHour, h23, 12d, 12.5, 8d, 9d, 4d), (closed[0].Timeframe, closed[0].OpenTimeMs, closed[0].Open, closed[0].High, closed[0].Low, closed[0].Close, closed[0].Volume));

        // Day: minutes 22:58, 22:59, 23:59 -> O 10, H 13, L 8, C 9, V 7, QV 74.5, 12 trades.
        var day = closed[1];
        Assert.Equal((Timeframe.OneDay, T0, 10d, 13d, 8d, 9d, 7d, 74.5, 12L),
            (day.Timeframe, day.OpenTimeMs, day.Open, day.High, day.Low, day.Close, day.Volume, day.QuoteVolume, day.TradeCount));
        Assert.Null(agg.Forming(Timeframe.OneDay));
    }

    [Fact]
    public void Chained_rollup_1m_to_1h_to_1d_gives_the_same_day_as_direct_rollup()
    {
        var hourly = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneHour]);
        var daily = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneDay]);
        var direct = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneDay]);
        var hours = new List<OHLCVBar>();
        var days = new List<OHLCVBar>();
        var directDays = new List<OHLCVBar>();

        // Two minutes per hour (xx:00 and xx:59), prices rising by hour: hour k has O=100+k, H=101+k, L=99+k, C=100.5+k, V=2.
        for (var k = 0; k < 24; k++)
        {
            foreach (var m in new[] { 0, 59 })
            {
                var bar = Kline(Timeframe.OneMinute, T0 + (k * Hour) + (m * Minute), 100 + k + (m == 0 ? 0 : 0.5), 101 + k, 99 + k, 100.5 + k, 1);
                hours.Clear();
                Assert.True(hourly.AddClosedKline(bar, hours));
                foreach (var h in hours)
                {
                    Assert.True(daily.AddClosedKline(h, days));
                }

                Assert.True(direct.AddClosedKline(bar, directDays));
            }
        }

        // Day: O 100 (first minute), H 124, L 99, C 123.5, V 48, closed by the 23:00 hour / the 23:59 minute.
        var day = Assert.Single(days);
        Assert.Equal((T0, 100d, 124d, 99d, 123.5, 48d), (day.OpenTimeMs, day.Open, day.High, day.Low, day.Close, day.Volume));
        Assert.Equal(day with { ExchangeTimeMs = 0 }, Assert.Single(directDays) with { ExchangeTimeMs = 0 });
    }

    [Fact]
    public void Kline_rollup_across_gaps_opens_on_the_first_present_minute_and_skips_empty_hours()
    {
        var agg = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneHour]);
        var closed = new List<OHLCVBar>();
        var h10 = T0 + (10 * Hour);

        // 10:00-10:20 and 10:45-10:59 present (a hole in between), every minute O=C=100+minute, H=O+1, L=O-1, V=1.
        var minutes = Enumerable.Range(0, 21).Concat(Enumerable.Range(45, 15)).ToList();
        foreach (var m in minutes)
        {
            agg.AddClosedKline(Kline(Timeframe.OneMinute, h10 + (m * Minute), 100 + m, 101 + m, 99 + m, 100 + m, 1), closed);
        }

        // Closed by 10:59: O 100, H 160, L 99, C 159, V 36.
        var hour = Assert.Single(closed);
        Assert.Equal((h10, 100d, 160d, 99d, 159d, 36d), (hour.OpenTimeMs, hour.Open, hour.High, hour.Low, hour.Close, hour.Volume));
        closed.Clear();

        // No minute in the 11:00 hour. 12:05 opens 12:00 with its own open; 13:10 closes it (its last minute never came).
        agg.AddClosedKline(Kline(Timeframe.OneMinute, T0 + (12 * Hour) + (5 * Minute), 7, 8, 6, 7.5, 2), closed);
        Assert.Empty(closed);
        agg.AddClosedKline(Kline(Timeframe.OneMinute, T0 + (13 * Hour) + (10 * Minute), 9, 9, 9, 9, 1), closed);
        var noon = Assert.Single(closed);
        Assert.Equal((T0 + (12 * Hour), 7d, 8d, 6d, 7.5, 2d), (noon.OpenTimeMs, noon.Open, noon.High, noon.Low, noon.Close, noon.Volume));
    }

    [Fact]
    public void Repeated_out_of_order_and_closed_period_klines_are_refused()
    {
        var agg = new CandleAggregator("Replay", "BTCUSDT", [Timeframe.OneMinute, Timeframe.OneHour]);
        var closed = new List<OHLCVBar>();
        var k1 = Kline(Timeframe.OneMinute, T0 + (10 * Minute), 10, 11, 9, 10, 1);
        var k2 = Kline(Timeframe.OneMinute, T0 + (11 * Minute), 10, 12, 9, 11, 2);

        // Same timeframe: the kline itself is published (restamped with the aggregator's source).
        Assert.True(agg.AddClosedKline(k1, closed));
        Assert.Equal(k1 with { Source = "Replay" }, Assert.Single(closed));
        closed.Clear();

        Assert.False(agg.AddClosedKline(k1, closed));
        Assert.True(agg.AddClosedKline(k2, closed));
        Assert.False(agg.AddClosedKline(k1, closed));
        Assert.Single(closed);

        // The hour holds k1 and k2 once each: V 3.
        Assert.Equal(3d, agg.Forming(Timeframe.OneHour)!.Volume);

        // 10:59 closes the hour; after that an earlier minute of that hour is refused.
        closed.Clear();
        Assert.True(agg.AddClosedKline(Kline(Timeframe.OneMinute, T0 + (59 * Minute), 11, 11, 11, 11, 1), closed));
        Assert.Equal([Timeframe.OneMinute, Timeframe.OneHour], closed.Select(b => b.Timeframe));
        Assert.False(agg.AddClosedKline(Kline(Timeframe.OneMinute, T0 + (30 * Minute), 11, 11, 11, 11, 1), closed));
        Assert.Equal(2, closed.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Random_trades_match_a_naive_group_by_reference(bool forceScalar)
    {
        var random = new Random(20240809);
        var trades = new List<(double Price, double Qty, long Time)>();
        var time = T0 - (3 * Hour) - 1_234;
        var price = 60_000.0;
        for (var i = 0; i < 50_000; i++)
        {
            // Mostly tens of ms apart, sometimes a second or a minute, rarely hours: every boundary kind is crossed.
            var r = random.NextDouble();
            time += r < 0.9 ? random.Next(0, 80) : r < 0.99 ? random.Next(500, 5_000) : random.Next(60_000, 8 * 3_600_000);
            price = Math.Round(price + ((random.NextDouble() - 0.5) * 10), 2);
            trades.Add((price, Math.Round(random.NextDouble() * 0.5, 5) + 0.00001, time));
        }

        var agg = new CandleAggregator("Test", "BTCUSDT", TimeframeExtensions.All) { ForceScalar = forceScalar };
        var closed = new List<OHLCVBar>();
        foreach (var (p, q, t) in trades)
        {
            Assert.True(agg.AddTrade(p, q, t, t, closed));
        }

        agg.CloseElapsed(long.MaxValue, closed);

        foreach (var tf in TimeframeExtensions.All)
        {
            var d = tf.DurationMs();
            var expected = trades.GroupBy(t => t.Time - (((t.Time % d) + d) % d)).Select(g =>
            {
                double v = 0, qv = 0;
                foreach (var x in g)
                {
                    v += x.Qty;
                    qv += x.Price * x.Qty;
                }

                return (Open: g.Key, O: g.First().Price, H: g.Max(x => x.Price), L: g.Min(x => x.Price), C: g.Last().Price, V: v, QV: qv, N: (long)g.Count());
            }).ToList();
            var actual = closed.Where(b => b.Timeframe == tf)
                .Select(b => (Open: b.OpenTimeMs, O: b.Open, H: b.High, L: b.Low, C: b.Close, V: b.Volume, QV: b.QuoteVolume, N: b.TradeCount)).ToList();
            Assert.Equal(expected, actual);
        }
    }
}
