using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Tests.Models;

public sealed class PivotLabelerTests
{
    private const long Minute = 60_000;
    private const long T0 = 1_727_740_800_000; // 2024-10-01 00:00 UTC

    private static readonly PivotLabelSettings Settings = new(PivotLevel: 2, HorizonBars: 5, ConfirmationMarginBars: 3);

    private static PivotPoint Pivot(int minute, PivotType type, int level = 2) =>
        new("ETHUSDT", Timeframe.OneMinute, level, type, 100, T0 + (minute * Minute), T0 + ((minute + 5) * Minute));

    private static SeriesCoverage Minutes(int count) => new(Timeframe.OneMinute, Enumerable.Range(0, count).Select(i => T0 + (i * Minute)).ToArray());

    [Fact]
    public void Horizon_starts_at_the_first_bar_opening_at_or_after_the_frame_time()
    {
        // Frame at 00:10 (anchor 00:09 closes): the 1m horizon is bars 00:10..00:14; for 1h at 00:10 it is 01:00..05:00.
        var asOf = T0 + (10 * Minute);
        Assert.Equal((T0 + (10 * Minute), T0 + (15 * Minute)), PivotLabeler.Horizon(asOf, Timeframe.OneMinute, Settings));
        Assert.Equal((T0 + 3_600_000, T0 + (6 * 3_600_000)), PivotLabeler.Horizon(asOf, Timeframe.OneHour, Settings));
        Assert.Equal((T0 + 3_600_000, T0 + (6 * 3_600_000)), PivotLabeler.Horizon(T0 + 3_600_000, Timeframe.OneHour, Settings));
    }

    [Fact]
    public void Label_is_the_first_pivot_inside_the_horizon_and_ignores_pivots_before_the_frame()
    {
        var coverage = Minutes(100);
        var asOf = T0 + (10 * Minute);
        List<PivotPoint> pivots = [Pivot(8, PivotType.High), Pivot(9, PivotType.High), Pivot(12, PivotType.Low), Pivot(13, PivotType.High)];
        Assert.Equal((sbyte)PivotClass.Low, PivotLabeler.Label(asOf, Timeframe.OneMinute, pivots, coverage, Settings));

        // A pivot at 00:10 (the first bar after the frame) counts; one at 00:15 (just past the horizon) does not.
        Assert.Equal((sbyte)PivotClass.High, PivotLabeler.Label(asOf, Timeframe.OneMinute, [Pivot(10, PivotType.High)], coverage, Settings));
        Assert.Equal((sbyte)PivotClass.None, PivotLabeler.Label(asOf, Timeframe.OneMinute, [Pivot(9, PivotType.Low), Pivot(15, PivotType.High)], coverage, Settings));

        // Other levels are ignored.
        Assert.Equal((sbyte)PivotClass.None, PivotLabeler.Label(asOf, Timeframe.OneMinute, [Pivot(11, PivotType.High, level: 1)], coverage, Settings));
    }

    [Fact]
    public void An_outside_bar_with_a_high_and_a_low_is_labelled_high()
    {
        var asOf = T0 + (10 * Minute);
        List<PivotPoint> pivots = [Pivot(11, PivotType.Low), Pivot(11, PivotType.High), Pivot(12, PivotType.Low)];
        Assert.Equal((sbyte)PivotClass.High, PivotLabeler.Label(asOf, Timeframe.OneMinute, pivots, Minutes(100), Settings));
    }

    [Fact]
    public void Label_is_unknown_without_every_bar_of_the_horizon_and_the_margin()
    {
        var asOf = T0 + (10 * Minute);

        // Horizon 10..14 plus margin 15..17 needs bars up to 00:17: 18 bars.
        Assert.Equal((sbyte)PivotClass.None, PivotLabeler.Label(asOf, Timeframe.OneMinute, [], Minutes(18), Settings));
        Assert.Equal(PivotLabeler.Unknown, PivotLabeler.Label(asOf, Timeframe.OneMinute, [], Minutes(17), Settings));

        // A hole inside the horizon.
        var holed = new SeriesCoverage(Timeframe.OneMinute, Enumerable.Range(0, 40).Where(i => i != 12).Select(i => T0 + (i * Minute)).ToArray());
        Assert.Equal(PivotLabeler.Unknown, PivotLabeler.Label(asOf, Timeframe.OneMinute, [Pivot(11, PivotType.High)], holed, Settings));
        Assert.Equal(PivotLabeler.Unknown, PivotLabeler.Label(asOf, Timeframe.OneMinute, [], SeriesCoverage.Empty(Timeframe.OneMinute), Settings));
    }

    [Fact]
    public void Coverage_rejects_unsorted_times_and_finds_holes()
    {
        Assert.Throws<ArgumentException>(() => new SeriesCoverage(Timeframe.OneMinute, [T0 + Minute, T0]));
        var coverage = new SeriesCoverage(Timeframe.OneMinute, [T0, T0 + Minute, T0 + (3 * Minute)]);
        Assert.True(coverage.IsContiguous(T0, T0 + (2 * Minute)));
        Assert.False(coverage.IsContiguous(T0, T0 + (3 * Minute)));
        Assert.False(coverage.IsContiguous(T0 + (2 * Minute), T0 + (4 * Minute)));
        Assert.True(coverage.IsContiguous(T0 + (3 * Minute), T0 + (4 * Minute)));
        Assert.False(coverage.IsContiguous(T0 + (3 * Minute), T0 + (5 * Minute)));
    }

    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(6, 5, 0)]
    [InlineData(2, 0, 0)]
    [InlineData(2, 5, -1)]
    public void Settings_out_of_range_are_refused(int level, int horizon, int margin) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PivotLabelSettings(level, horizon, margin).Validate());
}
