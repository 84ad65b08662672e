using Plotly.Blazor.Traces;
using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class ChartFigureTests
{
    [Fact]
    public void Without_panels_price_and_volume_share_the_height_four_to_one()
    {
        // 1 - one gap of 0.03 = 0.97 split 4:1: price 0.776, volume 0.194.
        var domains = ChartFigure.Domains(0);

        Assert.Equal([(0.224m, 1m), (0m, 0.194m)], domains);
    }

    [Fact]
    public void Two_panels_stack_below_volume_with_equal_gaps()
    {
        // Weights 4 + 1 + 1.4 + 1.4 = 7.8 over 1 - 3 gaps = 0.91: price 0.46667, volume 0.11667, panels 0.16333 each.
        var domains = ChartFigure.Domains(2);

        Assert.Equal(4, domains.Count);
        Assert.Equal(1m, domains[0].To);
        Assert.Equal(0.5333m, domains[0].From);
        Assert.Equal((0.3867m, 0.5033m), domains[1]);
        Assert.Equal((0.1933m, 0.3567m), domains[2]);
        Assert.Equal(0m, domains[3].From);
        Assert.Equal(0.1633m, domains[3].To);
    }

    [Fact]
    public void Without_overlays_the_figure_is_candles_and_volume_only()
    {
        var series = new CandleSeries(10);
        series.Reset(Candles.Series("ETHUSDT", Timeframe.OneMinute, 5));

        var figure = ChartFigure.Build(series, overlays: null);

        Assert.Collection(
            figure.Traces,
            t => Assert.Equal("y", Assert.IsType<Candlestick>(t).YAxis),
            t => Assert.Equal("y2", Assert.IsType<Bar>(t).YAxis));
        Assert.Equal(2, figure.YAxes.Count);
        Assert.Equal("y2", figure.XAnchor);
        Assert.Equal(0, figure.PanelCount);
        Assert.Same(series.Close, ((Candlestick)figure.Traces[0]).Close);
    }

    [Fact]
    public void A_band_is_one_closed_outline_per_run_of_valid_rows()
    {
        List<object> x = ["a", "b", "c", "d", "e"];
        List<object> upper = [null!, 11.0, 12.0, null!, 13.0];
        List<object> lower = [null!, 9.0, 10.0, 10.5, 11.0];

        var (px, py) = ChartFigure.BandPolygon(x, upper, lower);

        // b..c: upper forward, lower back; a null y; e alone.
        Assert.Equal(["b", "c", "c", "b", "e", "e", "e"], px);
        Assert.Equal([11.0, 12.0, 10.0, 9.0, null, 13.0, 11.0], py.Select(v => (double?)v));
    }
}
