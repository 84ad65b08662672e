using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class TradingExecutionProcessTests
{
    private sealed class FakeCandleCache : ICandleCache
    {
        private Action<OHLCVBar>? _handler;

        public bool HasSubscriber => Volatile.Read(ref _handler) is not null;

        public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit) => [];

        public IDisposable Subscribe(Action<OHLCVBar> handler)
        {
            Volatile.Write(ref _handler, handler);
            return new Unsubscribe(() => Volatile.Write(ref _handler, null));
        }

        public void Publish(OHLCVBar bar) => _handler?.Invoke(bar);

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }

    [Fact]
    public async Task Reconciles_then_feeds_closed_candles_of_the_match_timeframe_to_the_venue_and_executor()
    {
        using var h = new ExecutorHarness();
        var cache = new FakeCandleCache();
        using var process = new TradingExecutionProcess(h.Executor, ["ETHUSDT"], Timeframe.OneMinute, cache, h.Clock, NullLogger<TradingExecutionProcess>.Instance);
        await process.StartAsync(CancellationToken.None);
        await Until(() => cache.HasSubscriber);

        cache.Publish(Bar("ETHUSDT", T0 - 60_000, 2000, 2000, 2000, 2000, 1000));
        await Until(() => h.Orders.Positions.LastPrice("ETHUSDT") == 2000m);
        await h.Orders.SubmitAsync(new OrderIntent("p1", "ETHUSDT", OrderSide.Buy, OrderType.Market, 1m));

        cache.Publish(new OHLCVBar("test", "ETHUSDT", Timeframe.OneHour, T0, 2100, 2100, 2100, 2100, 1000, true)); // other timeframe: ignored
        cache.Publish(Bar("ETHUSDT", T0, 2010, 2010, 2010, 2010, 1000, closed: false)); // forming: price only
        await Until(() => h.Orders.Positions.LastPrice("ETHUSDT") == 2010m);
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));

        cache.Publish(Bar("ETHUSDT", T0, 2010, 2020, 2000, 2015, 1000));
        await Until(() => h.Orders.Positions.QuantityOf("ETHUSDT") == 1m);
        Assert.Equal(2010m, h.Orders.Positions.Get("ETHUSDT")!.AverageEntryPrice);
        Assert.Equal(0, process.Dropped);
        await process.StopAsync(CancellationToken.None);
    }
}
