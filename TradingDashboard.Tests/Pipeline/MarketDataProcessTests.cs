using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Tests.MarketData;
using static TradingDashboard.Tests.MarketData.DataProviderCandleTests;
using static TradingDashboard.Tests.MarketData.DataProviderGapTests;
using static TradingDashboard.Tests.MarketData.DataProviderHarness;

namespace TradingDashboard.Tests.Pipeline;

public sealed class MarketDataProcessTests
{
    [Fact]
    public async Task Stopping_market_data_stops_candles_and_starting_it_again_backfills_the_gap()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        using var storage = new CandleStorageProcess(h.Writer, h.Time, NullLogger<CandleStorageProcess>.Instance);
        using var market = new MarketDataProcess(h.Provider, h.Time, NullLogger<MarketDataProcess>.Instance);
        Assert.Equal(("candle-storage", "market-data"), (storage.Name, market.Name));
        try
        {
            await storage.StartAsync(CancellationToken.None);
            await market.StartAsync(CancellationToken.None);
            await WaitUntilAsync(() => binance.Sessions == 1, "Binance streams");

            await h.AdvanceToAsync(At(10, 30, 20));
            await binance.TradeAsync(Symbol, 1, 2000, 1, At(10, 30, 20));
            await h.AdvanceToAsync(At(10, 31, 10));
            await binance.TradeAsync(Symbol, 2, 2001, 1, At(10, 31, 10)); // closes 10:30
            await binance.TradeAsync(Symbol, 3, 2002, 1, At(10, 31, 20));
            Assert.Equal(3, market.GetInfo().MessagesTotal);

            await market.StopAsync(CancellationToken.None);
            Assert.Equal(ProcessState.Stopped, market.GetInfo().State);
            Assert.Null(h.Provider.ActiveSource);
            Assert.Null(h.Status.Current.ActiveSource);
            Assert.Equal(Core.MarketData.SourceConnectionState.Idle, h.Status.Current.Sources.Single().State);
            await WaitUntilAsync(() => binance.EndedSessions == 1, "the stream is cancelled");

            // Stopped: the forming 10:31 candle is dropped and time passing closes nothing.
            var before = h.Bars(Timeframe.OneMinute);
            Assert.Equal(At(10, 30), before[^1].OpenTimeMs);
            Assert.True(before[^1].IsClosed);
            await h.AdvanceToAsync(At(10, 36, 10));
            Assert.Equal(before, h.Bars(Timeframe.OneMinute));
            await WaitUntilAsync(() => h.Queue.Count == 0, "storage drains the queue");
            Assert.Equal(31, await h.Store.CountAsync(Symbol, Timeframe.OneMinute));

            await market.StartAsync(CancellationToken.None);
            await WaitUntilAsync(() => binance.Sessions == 2, "Binance streams again");
            await WaitUntilAsync(() => h.Store.CountAsync(Symbol, Timeframe.OneMinute).GetAwaiter().GetResult() == 36, "the gap is stored");

            var stored = await h.Store.GetRangeAsync(Symbol, Timeframe.OneMinute, At(0, 0), At(23, 59));
            AssertContinuous(stored, At(10, 0), At(10, 35), Timeframe.OneMinute);
            Assert.Equal(2000, stored.Single(b => b.OpenTimeMs == At(10, 30)).Close);
            Assert.Equal(HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(10, 31), At(10, 35)), stored.Skip(31));
            Assert.Equal(stored, h.Bars(Timeframe.OneMinute).Where(b => b.IsClosed));
            Assert.Equal(ProcessState.Running, market.GetInfo().State);
            Assert.Equal("Binance", h.Status.Current.ActiveSource);
        }
        finally
        {
            await market.StopAsync(CancellationToken.None);
            await storage.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Candle_storage_writes_what_is_queued_even_when_stopped_right_after()
    {
        var binance = new ScriptedSource("Binance", ScriptedSource.TradeCapabilities);
        await using var h = new DataProviderHarness(Time(10, 30, 15), [binance]);
        using var storage = new CandleStorageProcess(h.Writer, h.Time, NullLogger<CandleStorageProcess>.Instance);
        var bars = HistoryGenerator.Range("Binance", Symbol, Timeframe.OneMinute, At(9, 0), At(9, 59));
        foreach (var bar in bars)
        {
            await h.Queue.WriteAsync(bar, CancellationToken.None);
        }

        await storage.StartAsync(CancellationToken.None);
        await storage.StopAsync(CancellationToken.None);

        Assert.Equal(0, h.Queue.Count);
        Assert.Equal(bars, await h.Store.GetRangeAsync(Symbol, Timeframe.OneMinute, At(9, 0), At(9, 59)));
        Assert.Equal(60, storage.GetInfo().MessagesTotal);
    }
}
