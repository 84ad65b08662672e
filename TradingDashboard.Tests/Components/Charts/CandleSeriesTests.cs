using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class CandleSeriesTests
{
    private const string Eth = "ETHUSDT";
    private const long Minute = 60_000;

    [Fact]
    public void Reset_sorts_deduplicates_and_keeps_the_newest_up_to_capacity()
    {
        var series = new CandleSeries(capacity: 3);
        var bars = Candles.Series(Eth, Timeframe.OneMinute, 5);
        var replacement = bars[4] with { Close = 9999 };

        series.Reset([bars[4], bars[0], bars[3], bars[1], bars[2], replacement]);

        Assert.Equal([bars[2].OpenTimeMs, bars[3].OpenTimeMs, bars[4].OpenTimeMs], series.Bars.Select(b => b.OpenTimeMs).ToArray());
        Assert.Equal(9999.0, series.Last!.Close);
        Assert.Equal(["2024-05-01 00:02:00", "2024-05-01 00:03:00", "2024-05-01 00:04:00"], series.X.Cast<string>().ToArray());
        Assert.Equal([3003.0, 3004.0, 9999.0], series.Close.Cast<double>().ToArray());
        Assert.Equal(3, series.VolumeColors.Count);
    }

    [Fact]
    public void A_newer_candle_is_appended_and_the_oldest_dropped_beyond_capacity()
    {
        var series = new CandleSeries(capacity: 3);
        series.Reset(Candles.Series(Eth, Timeframe.OneMinute, 3));
        var next = Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs + (3 * Minute), close: 10, volume: 7);

        var change = series.Apply(next);

        Assert.Equal(new CandleChange(CandleChangeKind.Appended, 2), change);
        Assert.Equal(3, series.Count);
        Assert.Equal(Candles.StartMs + Minute, series.Bars[0].OpenTimeMs);
        Assert.Equal("2024-05-01 00:03:00", series.X[^1]);
        Assert.Equal(10.0, series.Close[^1]);
        Assert.Equal(7.0, series.Volume[^1]);
        foreach (var column in new[] { series.X, series.Open, series.High, series.Low, series.Close, series.Volume, series.VolumeColors })
        {
            Assert.Equal(3, column.Count);
        }
    }

    [Fact]
    public void A_new_version_of_a_shown_candle_replaces_it_in_place()
    {
        var series = new CandleSeries(capacity: 10);
        var bars = Candles.Series(Eth, Timeframe.OneMinute, 4);
        bars[3] = bars[3] with { IsClosed = false };
        series.Reset(bars);

        var falling = Candles.At(Eth, Timeframe.OneMinute, bars[3].OpenTimeMs, close: 2900) with { Open = 3003 };
        var change = series.Apply(falling);

        Assert.Equal(new CandleChange(CandleChangeKind.Replaced, 3), change);
        Assert.Equal(4, series.Count);
        Assert.Equal(2900.0, series.Close[3]);
        Assert.Equal(CandleSeries.FallingVolumeColor, series.VolumeColors[3]);
        Assert.Equal(CandleSeries.RisingVolumeColor, series.VolumeColors[2]);
    }

    [Fact]
    public void An_earlier_shown_candle_can_still_receive_its_closed_version()
    {
        var series = new CandleSeries(capacity: 10);
        var bars = Candles.Series(Eth, Timeframe.OneMinute, 4);
        bars[2] = bars[2] with { IsClosed = false };
        series.Reset(bars);

        var change = series.Apply(bars[2] with { Close = 1234, IsClosed = true });

        Assert.Equal(new CandleChange(CandleChangeKind.Replaced, 2), change);
        Assert.Equal(1234.0, series.Close[2]);
    }

    [Fact]
    public void Stale_identical_and_unknown_older_candles_are_ignored()
    {
        var series = new CandleSeries(capacity: 10);
        var bars = Candles.Series(Eth, Timeframe.OneMinute, 3, startMs: Candles.StartMs + (10 * Minute));
        series.Reset(bars);

        Assert.Equal(CandleChange.Ignored, series.Apply(bars[2] with { Close = 1, IsClosed = false }));
        Assert.Equal(CandleChange.Ignored, series.Apply(bars[1]));
        Assert.Equal(CandleChange.Ignored, series.Apply(Candles.At(Eth, Timeframe.OneMinute, Candles.StartMs, close: 5)));
        Assert.Equal(bars.Select(b => b.Close).ToArray(), series.Close.Cast<double>().ToArray());
    }

    [Fact]
    public void The_first_candle_of_an_empty_series_is_appended()
    {
        var series = new CandleSeries(capacity: 2);

        var change = series.Apply(Candles.At(Eth, Timeframe.OneSecond, Candles.StartMs, close: 3));

        Assert.Equal(new CandleChange(CandleChangeKind.Appended, 0), change);
        Assert.Equal("2024-05-01 00:00:00", series.X[0]);
    }
}
