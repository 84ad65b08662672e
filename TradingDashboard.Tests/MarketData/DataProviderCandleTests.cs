using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.MarketData;

public sealed class DataProviderCandleTests
{
    private const long Day = 1_727_740_800_000; // 2024-10-01 00:00 UTC

    internal static long At(int hour, int minute, int second = 0, int ms = 0) => Day + (hour * 3_600_000L) + (minute * 60_000L) + (second * 1000L) + ms;

    internal static DateTimeOffset Time(int hour, int minute, int second = 0) => DateTimeOffset.FromUnixTimeMilliseconds(At(hour, minute, second));

    /// <summary>Reference roll-up: first open, max high, min low, last close, sums.</summary>
    internal static (long Open, double O, double H, double L, double C, double V, double QV, long N) Rollup(Timeframe timeframe, IEnumerable<OHLCVBar> bars)
    {
        var list = bars.OrderBy(b => b.OpenTimeMs).ToList();
        return (timeframe.BucketStart(list[0].OpenTimeMs), list[0].Open, list.Max(b => b.High), list.Min(b => b.Low), list[^1].Close,
            list.Sum(b => b.Volume), list.Sum(b => b.QuoteVolume), list.Sum(b => b.TradeCount));
    }

    internal static void AssertBar((long Open, double O, double H, double L, double C, double V, double QV, long N) expected, bool closed, OHLCVBar actual)
    {
        Assert.Equal(expected.Open, actual.OpenTimeMs);
        Assert.Equal(closed, actual.IsClosed);
        Assert.Equal(expected.O, actual.Open, 9);
        Assert.Equal(expected.H, actual.High, 9);
        Assert.Equal(expected.L, actual.Low, 9);
        Assert.Equal(expected.C, actual.Close, 9);
        Assert.Equal(expected.V, actual.Volume, 9);
        Assert.Equal(expected.QV, actual.QuoteVolume, 6);
        Assert.Equal(expected.N, actual.TradeCount);
    }

    private static OHLCVBar Kline(string source, long openMs, double o, double h, double l, double c, double v, bool closed) =>
        new(source, Symbol, Timeframe.OneMinute, openMs, o, h, l, c, v, closed) { QuoteVolume = c * v, TradeCount = 3, ExchangeTimeMs = openMs + 30_000 };

    [Fact]
    public async Task Trades_become_candles_on_top_of_the_backfilled_and_seeded_history()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        await binance.TradeAsync(Symbol, 1, 1990, 1, At(10, 29, 59, 500)); // inside the seeded history: not counted again
        await binance.TradeAsync(Symbol, 2, 2000, 1, At(10, 30, 15, 100));
        await binance.TradeAsync(Symbol, 3, 2010, 2, At(10, 30, 40));
        await binance.TradeAsync(Symbol, 4, 1995, 1, At(10, 30, 50));
        await binance.TradeAsync(Symbol, 5, 2005, 0.5, At(10, 31, 5));
        await binance.TradeAsync(Symbol, 6, 2100, 1, At(10, 30, 55)); // late: the 10:30 candle is closed

        var minutes = h.Bars(Timeframe.OneMinute);
        var history = HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(10, 0), At(10, 29));
        Assert.Equal(history, minutes.Take(30));
        var closed = minutes[^2];
        AssertBar((At(10, 30), 2000, 2010, 1995, 1995, 4, 2000 + 4020 + 1995, 3), closed: true, closed);
        Assert.Equal("Binance", closed.Source);
        AssertBar((At(10, 31), 2005, 2005, 2005, 2005, 0.5, 1002.5, 1), closed: false, minutes[^1]);
        Assert.Equal(1, h.Metrics.RejectedCount("Binance", RejectReasons.OutOfOrderTrade));

        // The hour in progress = this hour's history + the trades; the throttled update arrives on a clock tick.
        var tradesAsBars = new[]
        {
            new OHLCVBar("x", Symbol, Timeframe.OneMinute, At(10, 30), 2000, 2010, 1995, 1995, 4, true) { QuoteVolume = 8015, TradeCount = 3 },
            new OHLCVBar("x", Symbol, Timeframe.OneMinute, At(10, 31), 2005, 2005, 2005, 2005, 0.5, true) { QuoteVolume = 1002.5, TradeCount = 1 },
        };
        var expectedHour = Rollup(Timeframe.OneHour, history.Concat(tradesAsBars));
        await h.AdvanceUntilAsync(() => h.Cache.Forming(Symbol, Timeframe.OneHour)?.Close == 2005, TimeSpan.FromMilliseconds(150), 20, "the hour shows the last trade");
        AssertBar(expectedHour, closed: false, h.Cache.Forming(Symbol, Timeframe.OneHour)!);

        await h.FlushAsync();
        Assert.Equal(31, await h.Store.CountAsync(Symbol, Timeframe.OneMinute));
        Assert.Equal(closed, (await h.Store.GetRangeAsync(Symbol, Timeframe.OneMinute, At(10, 30), At(10, 30))).Single());
        // 1h history: the last BackfillCandles (10) closed hours.
        var hours = await h.Store.GetLatestAsync(Symbol, Timeframe.OneHour, 100);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => At(i, 0)), hours.Select(b => b.OpenTimeMs));
        Assert.Equal(2005, h.Status.Current.Symbols.Single().LastPrice);
    }

    [Fact]
    public async Task A_quiet_market_still_closes_its_candle_on_the_clock()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        await binance.TradeAsync(Symbol, 1, 2000, 1, At(10, 30, 15));
        await h.AdvanceAsync(TimeSpan.FromSeconds(44), TimeSpan.FromSeconds(1)); // 10:30:59: not yet
        Assert.False(h.Bars(Timeframe.OneMinute)[^1].IsClosed);

        // Closed CloseGrace after the period, with no further trade.
        await h.AdvanceUntilAsync(() => h.Bars(Timeframe.OneMinute)[^1].IsClosed, TimeSpan.FromMilliseconds(500), 40, "the minute closes");
        Assert.True(h.NowMs >= At(10, 31) + (long)DataProvider.CloseGrace.TotalMilliseconds);
        AssertBar((At(10, 30), 2000, 2000, 2000, 2000, 1, 2000, 1), closed: true, h.Bars(Timeframe.OneMinute)[^1]);
    }

    [Fact]
    public async Task Klines_are_shown_as_they_come_and_closed_ones_roll_up_into_the_hour()
    {
        var mexc = new ScriptedSource("Mexc", ScriptedSource.KlineCapabilities);
        await using var h = new DataProviderHarness(Time(10, 58, 15), [mexc]);
        h.Start();
        await WaitUntilAsync(() => mexc.Sessions == 1, "Mexc streams");
        var history = HistoryGenerator.Range("Mexc", Symbol, Timeframe.OneMinute, At(10, 0), At(10, 57));
        var closedHours = new List<OHLCVBar>();
        using var subscription = h.Cache.Subscribe(b =>
        {
            if (b.Timeframe == Timeframe.OneHour && b.IsClosed)
            {
                lock (closedHours)
                {
                    closedHours.Add(b);
                }
            }
        });

        var forming = Kline("Mexc", At(10, 58), 2000, 2001, 1999, 2000.5, 3, closed: false);
        await mexc.KlineAsync(forming);
        Assert.Equal(forming, h.Bars(Timeframe.OneMinute)[^1]);
        await h.AdvanceUntilAsync(() => h.Cache.Forming(Symbol, Timeframe.OneHour)?.Close == 2000.5, TimeSpan.FromMilliseconds(150), 20, "the hour shows the forming kline");
        AssertBar(Rollup(Timeframe.OneHour, history.Append(forming)), closed: false, h.Cache.Forming(Symbol, Timeframe.OneHour)!);

        var k58 = Kline("Mexc", At(10, 58), 2000, 2003, 1998, 2002, 5, closed: true);
        await mexc.KlineAsync(k58);
        Assert.Equal(k58, h.Bars(Timeframe.OneMinute)[^1]);
        AssertBar(Rollup(Timeframe.OneHour, history.Append(k58)), closed: false, h.Cache.Forming(Symbol, Timeframe.OneHour)!);

        var k59 = Kline("Mexc", At(10, 59), 2002, 2004, 2001, 2003, 2, closed: true);
        await mexc.KlineAsync(k59);
        await mexc.KlineAsync(k59); // a repeat must not be rolled up twice

        var expectedHour = Rollup(Timeframe.OneHour, history.Append(k58).Append(k59));
        var hour = Assert.Single(closedHours);
        AssertBar(expectedHour, closed: true, hour);
        AssertBar(expectedHour, closed: true, h.Bars(Timeframe.OneHour)[^1]);
        Assert.Null(h.Cache.Forming(Symbol, Timeframe.OneHour));

        await h.FlushAsync();
        AssertBar(expectedHour, closed: true, (await h.Store.GetRangeAsync(Symbol, Timeframe.OneHour, At(10, 0), At(10, 0))).Single());
        Assert.Equal([k58, k59], await h.Store.GetRangeAsync(Symbol, Timeframe.OneMinute, At(10, 58), At(10, 59)));
    }

    [Fact]
    public async Task Warm_start_loads_the_store_and_backfills_only_what_is_missing()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        var storedMinutes = HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(10, 0), At(10, 25)).Select(b => b with { Close = b.Close + 0.25 }).ToList();
        var storedHours = HistoryGenerator.Range("Binance", Symbol, Timeframe.OneHour, At(0, 0), At(9, 0)).Select(b => b with { Close = b.Close + 0.5 }).ToList();
        await h.Store.UpsertAsync(storedMinutes);
        await h.Store.UpsertAsync(storedHours);

        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        var requests = binance.HistoryRequests.ToList();
        var minuteRequest = Assert.Single(requests, r => r.Timeframe == Timeframe.OneMinute);
        Assert.Equal((At(10, 26), At(10, 29)), (minuteRequest.From, minuteRequest.To));
        Assert.DoesNotContain(requests, r => r.Timeframe == Timeframe.OneHour); // 09:00 is the last closed hour and is stored

        var minutes = h.Bars(Timeframe.OneMinute);
        Assert.Equal(storedMinutes.Concat(HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(10, 26), At(10, 29))), minutes.Where(b => b.IsClosed));
        Assert.Equal(storedHours, h.Bars(Timeframe.OneHour).Where(b => b.IsClosed));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(At(10, 30)), h.Status.Current.LastCandleAt);
    }
}
