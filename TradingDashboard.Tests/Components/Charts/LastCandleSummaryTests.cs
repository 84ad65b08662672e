using Bunit;
using TradingDashboard.Components.Pages.Charts;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Tests.Components.Charts;

public sealed class LastCandleSummaryTests : ComponentTestBase
{
    [Theory]
    [InlineData(2000.0, 2003.0, "+0.15 %", "td-up")]
    [InlineData(2000.0, 1990.0, "-0.50 %", "td-down")]
    public void Change_is_the_close_against_the_open_in_percent(double open, double close, string expected, string cssClass)
    {
        // (2003 - 2000) / 2000 = 0.0015 = 0.15 %; (1990 - 2000) / 2000 = -0.005 = -0.50 %.
        var bar = new OHLCVBar("Replay", "ETHUSDT", Timeframe.OneMinute, 0, open, Math.Max(open, close) + 1, Math.Min(open, close) - 1, close, 7, IsClosed: true);

        var cut = Render<LastCandleSummary>(p => p.Add(c => c.Bar, bar));

        var change = cut.FindAll(".td-ohlc span").Single(s => s.TextContent.Contains('%', StringComparison.Ordinal));
        Assert.Equal(expected, change.TextContent.Trim());
        Assert.Contains(cssClass, change.ClassList);
    }
}
