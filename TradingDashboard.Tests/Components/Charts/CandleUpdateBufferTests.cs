using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class CandleUpdateBufferTests
{
    private const string Eth = "ETHUSDT";
    private const long Minute = 60_000;

    [Fact]
    public void Keeps_only_the_latest_version_per_candle_oldest_first()
    {
        var buffer = new CandleUpdateBuffer();
        buffer.Select(Eth, Timeframe.OneMinute);
        var t0 = Candles.StartMs;

        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, t0 + Minute, close: 1));
        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, t0, close: 2));
        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, t0 + Minute, close: 3));
        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, t0, close: 4, closed: true));

        var batch = buffer.Drain();

        Assert.False(batch.Overflowed);
        Assert.Equal([(t0, 4.0), (t0 + Minute, 3.0)], batch.Bars.Select(b => (b.OpenTimeMs, b.Close)).ToArray());
        Assert.Same(CandleBatch.Empty, buffer.Drain());
    }

    [Fact]
    public void Only_the_selected_symbol_and_timeframe_are_recorded()
    {
        var buffer = new CandleUpdateBuffer();
        Assert.False(buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 1)));

        buffer.Select(Eth, Timeframe.OneMinute);

        Assert.False(buffer.Offer(Candles.At("BTCUSDT", Timeframe.OneMinute, Candles.StartMs, close: 1)));
        Assert.False(buffer.Offer(Candles.At(Eth, Timeframe.OneSecond, Candles.StartMs, close: 1)));
        Assert.True(buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 1)));
        Assert.Single(buffer.Drain().Bars);
    }

    [Fact]
    public void A_forming_version_never_overwrites_a_pending_closed_one()
    {
        var buffer = new CandleUpdateBuffer();
        buffer.Select(Eth, Timeframe.OneMinute);

        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 5, closed: true));
        Assert.False(buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 6)));

        var bar = Assert.Single(buffer.Drain().Bars);
        Assert.True(bar.IsClosed);
        Assert.Equal(5.0, bar.Close);
    }

    [Fact]
    public void Selecting_again_drops_what_was_pending()
    {
        var buffer = new CandleUpdateBuffer();
        buffer.Select(Eth, Timeframe.OneMinute);
        buffer.Offer(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 5));

        buffer.Select(Eth, Timeframe.OneHour);

        Assert.Same(CandleBatch.Empty, buffer.Drain());
    }

    [Fact]
    public void Too_many_distinct_candles_mark_the_batch_overflowed()
    {
        var buffer = new CandleUpdateBuffer(capacity: 3);
        buffer.Select(Eth, Timeframe.OneSecond);

        for (var i = 0; i < 4; i++)
        {
            buffer.Offer(Candles.At(Eth, Timeframe.OneSecond, Candles.StartMs + (i * 1000), close: i));
        }

        var batch = buffer.Drain();

        Assert.True(batch.Overflowed);
        // Pending candles were dropped when the limit was hit; only the one offered after it remains.
        Assert.Equal(3.0, Assert.Single(batch.Bars).Close);
        Assert.False(buffer.Drain().Overflowed);
    }

    [Fact]
    public async Task Concurrent_offers_lose_no_candle()
    {
        var buffer = new CandleUpdateBuffer(capacity: 10_000);
        buffer.Select(Eth, Timeframe.OneSecond);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                buffer.Offer(Candles.At(Eth, Timeframe.OneSecond, Candles.StartMs + (((worker * 500) + i) * 1000L), close: i));
            }
        })));

        var bars = buffer.Drain().Bars;
        Assert.Equal(2000, bars.Count);
        Assert.Equal(bars.Select(b => b.OpenTimeMs).Order().ToArray(), bars.Select(b => b.OpenTimeMs).ToArray());
    }
}
