using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib.MarkerLib;
using TradingDashboard.Components.Charts;
using TradingDashboard.Components.Pages.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

/// <summary>
/// The Charts page with data from the data processor: pivot markers, indicator overlays, RSI / MACD panels, trend per
/// level, live updates, and what it says when the processor has nothing. The candles are 800 one-minute bars (the chart
/// shows the last 500: bars 300..799, the last one forming); the processor has processed bars 760..798 only (it started
/// late), so the first 19 rows of a 20-bar indicator are not yet valid.
/// </summary>
public sealed class ChartsPageOverlayTests : ComponentTestBase
{
    private const string Eth = "ETHUSDT";
    private const int FirstProcessed = 760;
    private readonly FakeCandleCache _cache = new();
    private readonly FakeDataProcessorState _processor = new();
    private readonly FakeProcessController _processes;
    private readonly List<OHLCVBar> _candles = Candles.Series(Eth, Timeframe.OneMinute, 800);
    private readonly List<PivotPoint> _pivots;
    private readonly BunitJSModuleInterop _module;

    public ChartsPageOverlayTests()
    {
        _candles[^1] = _candles[^1] with { IsClosed = false };
        _cache.Seed(_candles);
        _pivots =
        [
            // Before the shown window (bar 100 < bar 300): not drawn.
            ProcessorSeries.Pivot(_candles[100], 1, PivotType.Low),
            ProcessorSeries.Pivot(_candles[770], 1, PivotType.High),
            ProcessorSeries.Pivot(_candles[775], 1, PivotType.Low),
            ProcessorSeries.Pivot(_candles[780], 1, PivotType.High),
            ProcessorSeries.Pivot(_candles[785], 1, PivotType.Low),
            ProcessorSeries.Pivot(_candles[780], 2, PivotType.High, confirmedAfterBars: 12),
            ProcessorSeries.Pivot(_candles[790], 1, PivotType.High),
            ProcessorSeries.Pivot(_candles[785], 2, PivotType.Low, confirmedAfterBars: 8),
            ProcessorSeries.Pivot(_candles[780], 3, PivotType.High, confirmedAfterBars: 15),
        ];
        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 799), _pivots, Levels()));
        _processes = new FakeProcessController(Process(ProcessState.Running));
        Ctx.Services.AddSingleton<ICandleCache>(_cache);
        Ctx.Services.AddSingleton<IDataProcessorState>(_processor);
        Ctx.Services.AddSingleton<IProcessController>(_processes);
        _module = Ctx.JSInterop.SetupModule(CandlestickChart.ModulePath);
        _module.Mode = JSRuntimeMode.Loose;
    }

    private static ProcessInfo Process(ProcessState state) =>
        new(DataProcessorService.ProcessName, "Indicators, pivots, frames", state, null, 0, 0, null, null);

    private static List<PivotLevelSummary> Levels() =>
    [
        new(1, Trend.Up, null, null, 3780.0, 3791.5, null),
        new(2, Trend.Down, null, null, 3770.25, null, null),
        new(3, Trend.Sideways, null, null, null, 3801.0, new PivotLevelBounds(3, 3770.0, 3801.0, 900, 0)),
        new(4, Trend.Unknown, null, null, null, null, null),
        new(5, Trend.Unknown, null, null, null, null, null),
    ];

    // Closed candles from..to-1 as the processor holds them.
    private List<OHLCVBar> Processed(int from, int to) => _candles.Skip(from).Take(to - from).Select(b => b with { IsClosed = true }).ToList();

    private static string X(OHLCVBar bar) => CandleSeries.FormatTime(bar.OpenTimeMs);

    private static CandlestickChart Chart(IRenderedComponent<ChartsPage> cut) => cut.FindComponent<CandlestickChart>().Instance;

    private static T? Trace<T>(IRenderedComponent<ChartsPage> cut, string uid)
        where T : class, ITrace =>
        Chart(cut).Traces.OfType<T>().FirstOrDefault(t => (t as Scatter)?.UId == uid || (t as Bar)?.UId == uid);

    private static List<string> Uids(IRenderedComponent<ChartsPage> cut) =>
        Chart(cut).Traces.Select(t => t switch
        {
            Scatter s => s.UId,
            Bar b => b.UId,
            Candlestick c => c.UId,
            _ => "?",
        }).ToList();

    private IReadOnlyList<JSRuntimeInvocation> Calls(string identifier) =>
        _module.Invocations.Where(i => i.Identifier == identifier).ToList();

    private void Tick() => Time.Advance(ChartsPage.RefreshInterval);

    [Fact]
    public void Pivot_markers_are_drawn_per_level_for_the_pivots_inside_the_window()
    {
        var cut = Render<ChartsPage>();

        // 5 level-1 pivots in view (the one at bar 100 is before the first candle), 2 of level 2, 1 of level 3.
        var counts = cut.FindAll("[data-pivot-level]").Select(b => b.GetAttribute("data-pivot-count") ?? string.Empty).ToArray();
        Assert.Equal(["5", "2", "1", "0", "0"], counts);

        var level1 = Trace<Scatter>(cut, ChartFigure.PivotUid(1))!;
        Assert.Equal(new object[] { X(_candles[770]), X(_candles[775]), X(_candles[780]), X(_candles[785]), X(_candles[790]) }, level1.X);
        // Highs sit at the bar's high and point down; lows at the low and point up.
        Assert.Equal(new object[] { _candles[770].High, _candles[775].Low, _candles[780].High, _candles[785].Low, _candles[790].High }, level1.Y);
        Assert.Equal(new SymbolEnum?[] { SymbolEnum.TriangleDown, SymbolEnum.TriangleUp, SymbolEnum.TriangleDown, SymbolEnum.TriangleUp, SymbolEnum.TriangleDown }, level1.Marker.SymbolArray);
        Assert.StartsWith("L1 pivot high 3,772.00", level1.TextArray[0], StringComparison.Ordinal);
        // Bar 770 opened 12:50; confirmed after 3 more bars: the close of 12:53 is 12:53:59.
        Assert.Contains("bar 2024-05-01 12:50:00 UTC", level1.TextArray[0], StringComparison.Ordinal);
        Assert.Contains("confirmed 2024-05-01 12:53:59 UTC", level1.TextArray[0], StringComparison.Ordinal);

        var level3 = Trace<Scatter>(cut, ChartFigure.PivotUid(3))!;
        Assert.Equal(new object[] { X(_candles[780]) }, level3.X);
        Assert.Empty(Trace<Scatter>(cut, ChartFigure.PivotUid(4))!.X);

        // Size grows with the level; each level has its own colour.
        var sizes = Enumerable.Range(1, 5).Select(l => Trace<Scatter>(cut, ChartFigure.PivotUid(l))!.Marker.Size!.Value).ToList();
        Assert.Equal(sizes.Order().ToList(), sizes);
        Assert.Equal(5, sizes.Distinct().Count());
        Assert.Equal(5, Enumerable.Range(1, 5).Select(l => Trace<Scatter>(cut, ChartFigure.PivotUid(l))!.Marker.Color).Distinct().Count());
    }

    [Fact]
    public void Switching_a_pivot_level_off_removes_its_markers_and_on_brings_them_back()
    {
        var cut = Render<ChartsPage>();
        Assert.Contains(ChartFigure.PivotUid(1), Uids(cut));

        cut.Find("[data-pivot-level=\"1\"]").Click();

        Assert.Equal("false", cut.Find("[data-pivot-level=\"1\"]").GetAttribute("aria-pressed"));
        Assert.DoesNotContain(ChartFigure.PivotUid(1), Uids(cut));
        Assert.Contains(ChartFigure.PivotUid(2), Uids(cut));
        Assert.Contains(ChartFigure.PivotUid(3), Uids(cut));

        cut.Find("[data-pivot-level=\"1\"]").Click();

        Assert.Equal("true", cut.Find("[data-pivot-level=\"1\"]").GetAttribute("aria-pressed"));
        Assert.Equal(5, Trace<Scatter>(cut, ChartFigure.PivotUid(1))!.X.Count);
    }

    [Fact]
    public void Indicator_overlays_show_gaps_while_values_are_not_yet_valid()
    {
        var cut = Render<ChartsPage>();

        var sma = Trace<Scatter>(cut, ChartFigure.IndicatorUid("sma_20"))!;
        Assert.Equal("y", sma.YAxis);
        Assert.Equal(39, sma.X.Count);
        Assert.Equal(X(_candles[FirstProcessed]), sma.X[0]);
        // 19 bars of warm-up are null (Plotly's gap), never 0; then the processor's values exactly.
        Assert.All(sma.Y.Take(19), Assert.Null);
        Assert.Equal(ProcessorSeries.ValueOf("sma_20", 19), (double?)sma.Y[19]);
        Assert.Equal(ProcessorSeries.ValueOf("sma_20", 38), (double?)sma.Y[38]);
        Assert.False(sma.ConnectGaps);

        // Bollinger Bands: the shaded area (one polygon over the 20 valid rows), then upper, middle, lower.
        var uids = Uids(cut);
        var band = uids.IndexOf(ChartFigure.BandUid("bb_20_2"));
        Assert.True(band > 1);
        Assert.Equal(
            [ChartFigure.IndicatorUid("bb_upper_20_2"), ChartFigure.IndicatorUid("bb_middle_20_2"), ChartFigure.IndicatorUid("bb_lower_20_2")],
            uids.Skip(band + 1).Take(3));
        var area = Trace<Scatter>(cut, ChartFigure.BandUid("bb_20_2"))!;
        Assert.Equal(Plotly.Blazor.Traces.ScatterLib.FillEnum.ToSelf, area.Fill);
        Assert.Equal(40, area.X.Count);
        Assert.Equal(ProcessorSeries.ValueOf("bb_upper_20_2", 19), (double?)area.Y[0]);
        Assert.Equal(ProcessorSeries.ValueOf("bb_lower_20_2", 19), (double?)area.Y[^1]);
        Assert.Contains(ChartFigure.IndicatorUid("ema_20"), uids);

        // WMA and VWAP are offered but off by default; ATR is not drawn at all.
        Assert.DoesNotContain(ChartFigure.IndicatorUid("wma_20"), uids);
        Assert.Equal("false", cut.Find("[data-overlay=\"wma_20\"]").GetAttribute("aria-pressed"));
        Assert.DoesNotContain(ChartFigure.IndicatorUid("atr_14"), uids);
        Assert.Empty(cut.FindAll("[data-overlay=\"atr_14\"]"));

        cut.Find("[data-overlay=\"wma_20\"]").Click();
        Assert.Contains(ChartFigure.IndicatorUid("wma_20"), Uids(cut));

        cut.Find("[data-overlay=\"sma_20\"]").Click();
        Assert.DoesNotContain(ChartFigure.IndicatorUid("sma_20"), Uids(cut));
    }

    [Fact]
    public void Rsi_and_macd_get_panels_below_price_and_volume_on_the_same_x_axis()
    {
        var cut = Render<ChartsPage>();
        var layout = Chart(cut).Layout;

        Assert.Equal(4, layout.YAxis.Count);
        // Top to bottom: price, volume, RSI, MACD, without overlaps.
        var domains = layout.YAxis.Select(a => (From: (decimal)a.Domain[0], To: (decimal)a.Domain[1])).ToList();
        Assert.Equal(1m, domains[0].To);
        Assert.Equal(0m, domains[3].From);
        for (var i = 1; i < domains.Count; i++)
        {
            Assert.True(domains[i].To < domains[i - 1].From, $"axis {i + 1} overlaps the one above");
        }

        var rsi = Trace<Scatter>(cut, ChartFigure.IndicatorUid("rsi_14"))!;
        Assert.Equal("y3", rsi.YAxis);
        Assert.Equal("x", rsi.XAxis);
        Assert.All(rsi.Y.Take(14), Assert.Null);
        Assert.Equal(ProcessorSeries.ValueOf("rsi_14", 14), (double?)rsi.Y[14]);
        Assert.Equal(new object[] { 0, 100 }, layout.YAxis[2].Range);

        var hist = Trace<Bar>(cut, ChartFigure.IndicatorUid("macd_hist_12_26_9"))!;
        Assert.Equal("y4", hist.YAxis);
        Assert.Equal("y4", Trace<Scatter>(cut, ChartFigure.IndicatorUid("macd_12_26_9"))!.YAxis);
        Assert.Equal("y4", Trace<Scatter>(cut, ChartFigure.IndicatorUid("macd_signal_12_26_9"))!.YAxis);
        Assert.All(hist.Y.Take(33), Assert.Null);
        // Row 33 is negative (odd rows), row 34 positive: red and green bars.
        Assert.Equal(ChartFigure.HistogramDownColor, hist.Marker.ColorArray[33]);
        Assert.Equal(ChartFigure.HistogramUpColor, hist.Marker.ColorArray[34]);
        // The date axis sits under the lowest panel.
        Assert.Equal("y4", layout.XAxis[0].Anchor);

        cut.Find("[data-panel=\"rsi_14\"]").Click();

        Assert.Equal(3, Chart(cut).Layout.YAxis.Count);
        Assert.Null(Trace<Scatter>(cut, ChartFigure.IndicatorUid("rsi_14")));
        Assert.Equal("y3", Trace<Bar>(cut, ChartFigure.IndicatorUid("macd_hist_12_26_9"))!.YAxis);
        Assert.Equal("y3", Chart(cut).Layout.XAxis[0].Anchor);
        // One panel fewer: the figure shrinks by one panel height.
        var resize = Assert.Single(Calls("setHeight"));
        Assert.Equal("calc(64vh + 1 * 16vh)", resize.Arguments[1]);
    }

    [Fact]
    public void Trend_support_and_resistance_are_shown_per_level()
    {
        var cut = Render<ChartsPage>();

        var trends = cut.FindAll("[data-level] [data-trend]").Select(c => c.GetAttribute("data-trend") ?? string.Empty).ToArray();
        Assert.Equal(["up", "down", "sideways", "unknown", "unknown"], trends);
        var level1 = cut.Find("[data-level=\"1\"]");
        Assert.Equal("3780", level1.QuerySelector("[data-support]")!.GetAttribute("data-support"));
        Assert.Equal("3791.5", level1.QuerySelector("[data-resistance]")!.GetAttribute("data-resistance"));
        Assert.Contains("3,780.00", level1.TextContent, StringComparison.Ordinal);
        // No resistance on level 2: a dash, not a number.
        Assert.Equal(string.Empty, cut.Find("[data-level=\"2\"] [data-resistance]").GetAttribute("data-resistance"));
        Assert.Equal("—", cut.Find("[data-level=\"2\"] [data-resistance]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-processor-note]"));
    }

    [Fact]
    public void A_newly_processed_bar_is_pushed_to_the_indicator_traces_without_a_redraw()
    {
        var cut = Render<ChartsPage>();
        var figure = Chart(cut).Figure;

        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 800), _pivots, Levels()));
        _processor.Publish(ProcessorSeries.Status(40));
        Tick();

        cut.WaitForAssertion(() => Assert.Single(Calls("applySeries")));
        var call = Calls("applySeries")[0];
        Assert.Equal("td-candles", call.Arguments[0]);
        var updates = (IReadOnlyList<SeriesUpdate>)call.Arguments[1]!;
        var sma = Assert.Single(updates, u => u.Uid == ChartFigure.IndicatorUid("sma_20"));
        var point = Assert.Single(sma.Points);
        Assert.Equal(X(_candles[799]), point.X);
        Assert.Equal(ProcessorSeries.ValueOf("sma_20", 39), point.Y);
        // Hidden overlays are not sent; the histogram carries its bar colour (row 39 is negative).
        Assert.DoesNotContain(updates, u => u.Uid == ChartFigure.IndicatorUid("wma_20"));
        var hist = Assert.Single(updates, u => u.Uid == ChartFigure.IndicatorUid("macd_hist_12_26_9"));
        Assert.Equal(ChartFigure.HistogramDownColor, Assert.Single(hist.Points).Color);
        Assert.Same(figure, Chart(cut).Figure);
        Assert.Equal(40, Trace<Scatter>(cut, ChartFigure.IndicatorUid("sma_20"))!.X.Count);
        Assert.Empty(Calls("replaceTraces"));
    }

    [Fact]
    public void The_forming_bar_shows_peeked_values_that_its_closed_values_replace()
    {
        var cut = Render<ChartsPage>();
        var forming = new IndicatorSnapshot(Eth, Timeframe.OneMinute, _candles[799].OpenTimeMs, false,
            ProcessorSeries.Columns.ToDictionary(c => c, c => c == "sma_20" ? 3100.5 : (double?)null));

        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 799), _pivots, Levels(), forming));
        _processor.Publish(ProcessorSeries.Status(39));
        Tick();
        cut.WaitForAssertion(() => Assert.Single(Calls("applySeries")));

        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 800), _pivots, Levels()));
        _processor.Publish(ProcessorSeries.Status(40));
        Tick();
        cut.WaitForAssertion(() => Assert.Equal(2, Calls("applySeries").Count));

        SeriesPoint SmaPoint(int call) => Assert.Single(
            ((IReadOnlyList<SeriesUpdate>)Calls("applySeries")[call].Arguments[1]!).Single(u => u.Uid == ChartFigure.IndicatorUid("sma_20")).Points);
        Assert.Equal(new SeriesPoint(X(_candles[799]), 3100.5, null), SmaPoint(0));
        Assert.Equal(new SeriesPoint(X(_candles[799]), ProcessorSeries.ValueOf("sma_20", 39), null), SmaPoint(1));
        // Same time: the row was replaced, not appended.
        Assert.Equal(40, Trace<Scatter>(cut, ChartFigure.IndicatorUid("sma_20"))!.X.Count);
    }

    [Fact]
    public void A_new_pivot_resends_the_pivot_markers_and_updates_the_count()
    {
        var cut = Render<ChartsPage>();

        _pivots.Add(ProcessorSeries.Pivot(_candles[795], 1, PivotType.Low, confirmedAfterBars: 2));
        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 799), _pivots, Levels()));
        _processor.Publish(ProcessorSeries.Status(39));
        Tick();

        cut.WaitForAssertion(() => Assert.Equal("6", cut.Find("[data-pivot-level=\"1\"]").GetAttribute("data-pivot-count")));
        var traces = (IReadOnlyList<TraceArrays>)Assert.Single(Calls("replaceTraces")).Arguments[1]!;
        var level1 = Assert.Single(traces, t => t.Uid == ChartFigure.PivotUid(1));
        Assert.Equal(X(_candles[795]), level1.X[^1]);
        Assert.Equal(_candles[795].Low, level1.Y[^1]);
        Assert.Equal("triangle-up", level1.Symbols![^1]);
        Assert.Empty(Calls("applySeries"));
    }

    [Fact]
    public void Bars_missed_between_ticks_reload_the_indicator_traces()
    {
        var cut = Render<ChartsPage>();

        // 100 more closed bars at once: more than one tick reads, so the rows are reloaded and resent whole.
        var more = Candles.Series(Eth, Timeframe.OneMinute, 900);
        _processor.SetSeries(ProcessorSeries.View(more.Skip(FirstProcessed).ToList(), _pivots, Levels()));
        _processor.Publish(ProcessorSeries.Status(140));
        Tick();

        cut.WaitForAssertion(() => Assert.NotEmpty(Calls("replaceTraces")));
        var traces = Calls("replaceTraces").SelectMany(c => (IReadOnlyList<TraceArrays>)c.Arguments[1]!).ToList();
        var sma = Assert.Single(traces, t => t.Uid == ChartFigure.IndicatorUid("sma_20"));
        Assert.Equal(140, sma.X.Count);
        Assert.Equal(X(more[899]), sma.X[^1]);
        Assert.Equal(ProcessorSeries.ValueOf("sma_20", 139), (double?)sma.Y[^1]);
        Assert.Null(sma.Y[0]);
        Assert.Empty(Calls("applySeries"));
    }

    [Fact]
    public void No_processor_data_for_the_series_is_said_plainly_and_nothing_is_drawn_for_it()
    {
        var cut = Render<ChartsPage>();

        cut.Find("[data-timeframe=\"1h\"]").Click();

        var note = cut.Find("[data-processor-note]");
        Assert.Equal("empty", note.GetAttribute("data-processor-note"));
        Assert.Contains("The data processor has no data for ETHUSDT 1h yet", note.TextContent, StringComparison.Ordinal);
        Assert.Equal([ChartFigure.CandleUid, ChartFigure.VolumeUid], Uids(cut));
        Assert.Empty(cut.FindAll("[data-pivot-level]"));
        Assert.Empty(cut.FindAll("[data-overlay]"));
        Assert.Empty(cut.FindAll("[data-pivot-levels]"));
    }

    [Fact]
    public void Data_arriving_later_adds_the_overlays_with_a_full_redraw()
    {
        var cut = Render<ChartsPage>();
        cut.Find("[data-timeframe=\"1h\"]").Click();
        Assert.Equal([ChartFigure.CandleUid, ChartFigure.VolumeUid], Uids(cut));

        var hours = Candles.Series(Eth, Timeframe.OneHour, 30);
        _processor.SetSeries(ProcessorSeries.View(hours, levels: Levels()));
        _processor.Publish(ProcessorSeries.Status(30));
        Tick();

        cut.WaitForAssertion(() => Assert.Contains(ChartFigure.IndicatorUid("sma_20"), Uids(cut)));
        Assert.Empty(cut.FindAll("[data-processor-note]"));
        Assert.Equal(30, Trace<Scatter>(cut, ChartFigure.IndicatorUid("sma_20"))!.X.Count);
    }

    [Fact]
    public void A_stopped_processor_is_said_plainly()
    {
        _processes.Publish(Process(ProcessState.Stopped));

        var cut = Render<ChartsPage>();

        var note = cut.Find("[data-processor-note]");
        Assert.Equal("stale", note.GetAttribute("data-processor-note"));
        Assert.Contains("The data processor is stopped: indicators and pivots stop at the bar of 2024-05-01 13:18:00 UTC", note.TextContent, StringComparison.Ordinal);

        cut.Find("[data-timeframe=\"1h\"]").Click();

        note = cut.Find("[data-processor-note]");
        Assert.Equal("stopped", note.GetAttribute("data-processor-note"));
        Assert.Contains("The data processor is stopped and has no data for ETHUSDT 1h", note.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Starting_the_processor_clears_the_note_on_the_next_tick()
    {
        _processes.Publish(Process(ProcessState.Stopped));
        var cut = Render<ChartsPage>();
        Assert.Equal("stale", cut.Find("[data-processor-note]").GetAttribute("data-processor-note"));

        _processes.Publish(Process(ProcessState.Running));
        Tick();

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-processor-note]")));
    }

    [Fact]
    public void Without_a_data_processor_in_the_host_the_page_says_so()
    {
        Ctx.Services.AddSingleton<IProcessController>(new FakeProcessController());

        var cut = Render<ChartsPage>();

        Assert.Equal("absent", cut.Find("[data-processor-note]").GetAttribute("data-processor-note"));
    }

    [Fact]
    public void A_processor_behind_the_candles_is_said_plainly()
    {
        // The processor's last bar is 779, 19 bars before the newest closed candle (798).
        _processor.SetSeries(ProcessorSeries.View(Processed(FirstProcessed, 780), _pivots, Levels()));

        var cut = Render<ChartsPage>();

        var note = cut.Find("[data-processor-note]");
        Assert.Equal("behind", note.GetAttribute("data-processor-note"));
        Assert.Contains("indicators and pivots end at the bar of 2024-05-01 12:59:00 UTC", note.TextContent, StringComparison.Ordinal);
    }
}
