using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using static TradingDashboard.Tests.MarketData.DataProviderCandleTests;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.MarketData;

public sealed class DataProviderGapTests
{
    /// <summary>Every open time from <paramref name="from"/> to <paramref name="to"/> exactly once, in order.</summary>
    internal static void AssertContinuous(IReadOnlyList<OHLCVBar> bars, long from, long to, Timeframe timeframe)
    {
        var expected = new List<long>();
        for (var t = from; t <= to; t += timeframe.DurationMs())
        {
            expected.Add(t);
        }

        Assert.Equal(expected, bars.Select(b => b.OpenTimeMs));
    }

    [Fact]
    public async Task A_reconnect_backfills_the_gap_with_no_hole_and_no_duplicate()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        h.Start();
        await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

        await h.AdvanceToAsync(At(10, 30, 20));
        await binance.TradeAsync(Symbol, 1, 2000, 1, At(10, 30, 20));
        await h.AdvanceToAsync(At(10, 31, 10));
        await binance.TradeAsync(Symbol, 2, 2001, 1, At(10, 31, 10)); // closes 10:30
        await h.AdvanceToAsync(At(10, 31, 30));
        await binance.TradeAsync(Symbol, 3, 2002, 1, At(10, 31, 30));

        await binance.ConnectionAsync(false, "socket closed");
        Assert.Equal(SourceConnectionState.Disconnected, h.Status.Current.Sources.Single().State);
        // While away, the clock closes the 10:31 candle with the two trades it saw: incomplete.
        await h.AdvanceToAsync(At(10, 34, 20));
        await WaitUntilAsync(() => h.Bars(Timeframe.OneMinute).Any(b => b.OpenTimeMs == At(10, 31) && b.IsClosed && b.Close == 2002), "the clock closes 10:31");

        await binance.ConnectionAsync(true, "reconnected");
        await binance.TradeAsync(Symbol, 4, 2010, 1, At(10, 34, 25));
        await h.AdvanceToAsync(At(10, 35, 2));
        await binance.TradeAsync(Symbol, 5, 2011, 1, At(10, 35, 2)); // closes 10:34
        await h.FlushAsync();

        var stored = await h.Store.GetRangeAsync(Symbol, Timeframe.OneMinute, At(0, 0), At(23, 59), "Binance");
        AssertContinuous(stored, At(10, 0), At(10, 34), Timeframe.OneMinute);
        Assert.Equal(35, await h.Store.CountAsync(Symbol, Timeframe.OneMinute));
        // Built from trades where the feed was up, the venue's history where it was not (10:31 re-fetched whole).
        Assert.Equal(2000, stored.Single(b => b.OpenTimeMs == At(10, 30)).Close);
        Assert.Equal(HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(10, 31), At(10, 33)), stored.Where(b => b.OpenTimeMs >= At(10, 31) && b.OpenTimeMs <= At(10, 33)));
        Assert.Equal(2010, stored.Single(b => b.OpenTimeMs == At(10, 34)).Close);

        // The cache agrees with the store.
        Assert.Equal(stored, h.Bars(Timeframe.OneMinute).Where(b => b.IsClosed));

        var alerts = h.Alerts.Recent().Where(a => a.Category == DataProvider.AlertCategory).Reverse().ToArray();
        Assert.Equal([AlertSeverity.Warning, AlertSeverity.Info], alerts.Select(a => a.Severity));
        Assert.Contains("reconnected", alerts[1].Message, StringComparison.Ordinal);
    }
}
