using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class PivotMarkersTests
{
    private readonly List<OHLCVBar> _bars = Candles.Series("BTCUSDT", Timeframe.OneHour, 50);

    private PivotPoint Pivot(int bar, int level, PivotType type) => ProcessorSeries.Pivot(_bars[bar], level, type);

    [Fact]
    public void Markers_are_grouped_by_level_in_bar_order_inside_the_window()
    {
        var markers = new PivotMarkers();
        // In confirmation order, as the processor lists them; bar 5 is before the window.
        List<PivotPoint> pivots = [Pivot(5, 1, PivotType.High), Pivot(30, 1, PivotType.Low), Pivot(22, 1, PivotType.High), Pivot(22, 2, PivotType.High), Pivot(40, 5, PivotType.Low)];

        markers.Reset(pivots, fromOpenTimeMs: _bars[10].OpenTimeMs);

        var level1 = markers.Level(1);
        Assert.Equal([CandleSeries.FormatTime(_bars[22].OpenTimeMs), CandleSeries.FormatTime(_bars[30].OpenTimeMs)], level1.X);
        Assert.Equal([_bars[22].High, _bars[30].Low], level1.Y);
        Assert.Equal(["triangle-down", "triangle-up"], level1.SymbolNames);
        Assert.Equal((1, 1), (level1.Highs, level1.Lows));
        Assert.Equal([2, 1, 0, 0, 1], markers.All.Select(l => l.Count));
        Assert.Equal(4, markers.Count);
    }

    [Fact]
    public void New_or_different_pivots_make_the_markers_outdated()
    {
        var markers = new PivotMarkers();
        List<PivotPoint> pivots = [Pivot(10, 1, PivotType.High), Pivot(14, 1, PivotType.Low)];
        markers.Reset(pivots);

        Assert.False(markers.IsOutdated([.. pivots]));
        Assert.True(markers.IsOutdated([.. pivots, Pivot(18, 1, PivotType.High)]));
        // The processor keeps a bounded list: same count, but the newest one changed.
        Assert.True(markers.IsOutdated([pivots[1], Pivot(18, 1, PivotType.High)]));
    }

    [Fact]
    public void Marker_size_grows_with_the_level_and_hover_text_names_level_price_and_times()
    {
        Assert.Equal([7m, 9m, 11m, 13m, 15m], Enumerable.Range(1, 5).Select(PivotMarkers.SizeOf));

        // Bar 3 of 1h opened 03:00; confirmed after 3 more bars: 06:59:59.
        var text = PivotMarkers.HoverText(Pivot(3, 4, PivotType.Low));

        Assert.Equal("L4 pivot low 3,002.00<br>bar 2024-05-01 03:00:00 UTC<br>confirmed 2024-05-01 06:59:59 UTC", text);
    }
}
