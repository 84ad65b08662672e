using TradingDashboard.Components.Charts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Processing;
using TradingDashboard.Tests.Components.Fakes;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class IndicatorSeriesTests
{
    private const string Eth = "ETHUSDT";
    private static readonly string[] Sma = ["sma_20"];
    private readonly List<OHLCVBar> _bars = Candles.Series(Eth, Timeframe.OneMinute, 200);

    // The processor's view of bars [from, to) with sma_20 = 3000 + i (i counted from bar 0), null below bar 19.
    private SeriesView View(int from, int to, IndicatorSnapshot? forming = null)
    {
        var bars = _bars.Skip(from).Take(to - from).ToList();
        var values = Enumerable.Range(from, to - from).Select(i => i < 19 ? null : (double?)(3000 + i)).ToList();
        return new SeriesView(Eth, Timeframe.OneMinute, bars, new Dictionary<string, IReadOnlyList<double?>> { ["sma_20"] = values }, [], [], forming);
    }

    private IndicatorSnapshot Forming(int bar, double? sma) =>
        new(Eth, Timeframe.OneMinute, _bars[bar].OpenTimeMs, false, new Dictionary<string, double?> { ["sma_20"] = sma });

    private string X(int bar) => CandleSeries.FormatTime(_bars[bar].OpenTimeMs);

    [Fact]
    public void Reset_keeps_the_window_and_leaves_warmup_values_null()
    {
        var series = new IndicatorSeries(capacity: 100);

        series.Reset(View(0, 40), fromOpenTimeMs: _bars[10].OpenTimeMs);

        Assert.Equal(30, series.Count);
        Assert.Equal(X(10), series.X[0]);
        Assert.Equal(Sma, series.Columns);
        // Bars 10..18 are warm-up: null, not 0.
        Assert.All(series.Values("sma_20").Take(9), Assert.Null);
        Assert.Equal(3019.0, series.ValueAt("sma_20", 9));
        Assert.Equal(_bars[39].OpenTimeMs, series.LastClosedOpenTimeMs);
        Assert.False(series.EndsWithForming);
    }

    [Fact]
    public void Reset_keeps_only_the_newest_rows_up_to_the_capacity()
    {
        var series = new IndicatorSeries(capacity: 25);

        series.Reset(View(0, 100));

        Assert.Equal(25, series.Count);
        Assert.Equal(X(75), series.X[0]);
        Assert.Equal(3099.0, series.ValueAt("sma_20", 24));
    }

    [Fact]
    public void Apply_appends_only_bars_newer_than_the_last_one()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 40));

        var change = series.Apply(View(0, 43), requested: 64);

        Assert.False(change.NeedsReset);
        Assert.Equal([X(40), X(41), X(42)], change.Rows.Select(r => r.X));
        Assert.Equal(3042.0, change.Rows[2].Values[0]);
        Assert.True(change.Rows.All(r => r.IsClosed));
        Assert.Equal(43, series.Count);

        Assert.Same(IndicatorChange.None, series.Apply(View(0, 43), requested: 64));
    }

    [Fact]
    public void A_forming_row_is_updated_and_then_replaced_by_the_closed_bar()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 40));

        var first = series.Apply(View(0, 40, Forming(40, 3100.5)), requested: 64);
        var same = series.Apply(View(0, 40, Forming(40, 3100.5)), requested: 64);
        var moved = series.Apply(View(0, 40, Forming(40, 3101.0)), requested: 64);
        var closed = series.Apply(View(0, 41), requested: 64);

        Assert.Equal(new IndicatorRow(_bars[40].OpenTimeMs, X(40), [3100.5], false), Assert.Single(first.Rows), RowComparer.Instance);
        Assert.Empty(same.Rows);
        Assert.Equal(3101.0, Assert.Single(moved.Rows).Values[0]);
        var final = Assert.Single(closed.Rows);
        Assert.True(final.IsClosed);
        Assert.Equal(3040.0, final.Values[0]);
        // Replaced in place: still one row for bar 40.
        Assert.Equal(41, series.Count);
        Assert.Equal(3040.0, series.ValueAt("sma_20", 40));
        Assert.False(series.EndsWithForming);
    }

    [Fact]
    public void A_forming_value_not_yet_valid_stays_null()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 10));

        var change = series.Apply(View(0, 10, Forming(10, null)), requested: 64);

        Assert.Null(Assert.Single(change.Rows).Values[0]);
        Assert.Null(series.ValueAt("sma_20", 10));
        Assert.True(series.EndsWithForming);
    }

    [Fact]
    public void Missed_bars_ask_for_a_reload()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 40));

        // The last 10 bars only, but 20 are new: bars 40..49 were not seen.
        var change = series.Apply(View(50, 60), requested: 10);

        Assert.True(change.NeedsReset);
        Assert.Equal(40, series.Count);
    }

    [Fact]
    public void Other_columns_ask_for_a_reload()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 40));
        var view = View(0, 41);
        var renamed = view with { Indicators = new Dictionary<string, IReadOnlyList<double?>> { ["ema_20"] = view.Indicators["sma_20"] } };

        Assert.True(series.Apply(renamed, requested: 64).NeedsReset);
    }

    [Fact]
    public void Bars_before_the_window_are_not_added()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 5), fromOpenTimeMs: _bars[100].OpenTimeMs);
        Assert.Equal(0, series.Count);

        // Still before the window: nothing; then the first bars inside it.
        Assert.Empty(series.Apply(View(0, 50), requested: 64).Rows);
        var change = series.Apply(View(0, 102), requested: 200);

        Assert.Equal([X(100), X(101)], change.Rows.Select(r => r.X));
    }

    [Fact]
    public void Appending_beyond_the_capacity_drops_the_oldest_rows()
    {
        var series = new IndicatorSeries(capacity: 30);
        series.Reset(View(0, 30));

        series.Apply(View(0, 35), requested: 64);

        Assert.Equal(30, series.Count);
        Assert.Equal(X(5), series.X[0]);
        Assert.Equal(30, series.Values("sma_20").Count);
    }

    [Fact]
    public void Missing_bars_leave_a_gap_instead_of_a_line_across_them()
    {
        var series = new IndicatorSeries(capacity: 100);
        var view = View(20, 30);
        // Bars 24..26 never reached the processor.
        var holes = new[] { 24, 25, 26 };
        var kept = Enumerable.Range(0, 10).Where(i => !holes.Contains(20 + i)).ToList();
        var holed = view with
        {
            Bars = kept.Select(i => view.Bars[i]).ToList(),
            Indicators = new Dictionary<string, IReadOnlyList<double?>> { ["sma_20"] = kept.Select(i => view.Indicators["sma_20"][i]).ToList() },
        };

        series.Reset(holed);

        // 20..23, one empty row at 24, then 27..29.
        Assert.Equal([X(20), X(21), X(22), X(23), X(24), X(27), X(28), X(29)], series.X);
        Assert.Null(series.ValueAt("sma_20", 4));
        Assert.Equal(3027.0, series.ValueAt("sma_20", 5));

        // The same when the hole comes live: the empty row is sent with the new one.
        var change = series.Apply(View(20, 30) with { Bars = [_bars[32]], Indicators = new Dictionary<string, IReadOnlyList<double?>> { ["sma_20"] = [3032.0] } }, requested: 64);

        Assert.Equal([X(30), X(32)], change.Rows.Select(r => r.X));
        Assert.Null(change.Rows[0].Values[0]);
        Assert.Equal(_bars[32].OpenTimeMs, series.LastClosedOpenTimeMs);
    }

    [Fact]
    public void A_bar_closing_behind_a_forming_row_asks_for_a_reload()
    {
        var series = new IndicatorSeries(capacity: 100);
        series.Reset(View(0, 40, Forming(41, 3100.0)));
        Assert.True(series.EndsWithForming);

        // Bar 40 closes after bar 41's values were peeked.
        Assert.True(series.Apply(View(0, 41, Forming(41, 3101.0)), requested: 64).NeedsReset);
    }

    private sealed class RowComparer : IEqualityComparer<IndicatorRow>
    {
        public static readonly RowComparer Instance = new();

        public bool Equals(IndicatorRow? x, IndicatorRow? y) =>
            x is not null && y is not null && x.OpenTimeMs == y.OpenTimeMs && x.X == y.X && x.IsClosed == y.IsClosed && x.Values.SequenceEqual(y.Values);

        public int GetHashCode(IndicatorRow obj) => obj.OpenTimeMs.GetHashCode();
    }
}
