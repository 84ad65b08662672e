using Bunit;
using TradingDashboard.Components.Pages.Trading;

namespace TradingDashboard.Tests.Components.Trading;

public sealed class PositionsAndFillsPageTests : TradingPageTestBase
{
    [Fact]
    public void Without_positions_the_page_says_so_and_shows_paper_mode()
    {
        SignIn("victor", "Viewer");

        var cut = Render<PositionsPage>();

        Assert.Equal("No positions.", cut.Find("[data-positions-empty]").TextContent.Trim());
        Assert.Equal("Paper", cut.Find("[data-mode]").GetAttribute("data-mode"));
        Assert.Contains("Paper mode", cut.Find("[data-paper-mode]").TextContent, StringComparison.Ordinal);
        Assert.Equal("10,000.00", cut.Find("[data-equity]").TextContent.Trim());
        Assert.Equal("1", cut.Find("[data-page=positions]").GetAttribute("data-interactive"));
    }

    [Fact]
    public async Task A_new_position_appears_on_the_next_refresh_tick_with_its_pnl()
    {
        SignIn("victor", "Viewer");
        var cut = Render<PositionsPage>();

        await OpenLongAsync();
        Assert.NotEmpty(cut.FindAll("[data-positions-empty]"));
        Time.Advance(TradingPageBase.RefreshInterval);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("tr[data-position=ETHUSDT]")));
        var row = cut.Find("tr[data-position=ETHUSDT]");
        // 10000 x 1 % risk / (2000 - 1960) = 2.5 bought at 2000 (no fees, no slippage), marked at 2005: +12.50.
        Assert.Equal("2.5", row.QuerySelector("[data-quantity]")!.TextContent.Trim());
        Assert.Equal("12.50", row.QuerySelector("[data-unrealized]")!.TextContent.Trim());
        Assert.Equal("12.50", cut.Find("[data-unrealized]").TextContent.Trim());
    }

    [Fact]
    public async Task Fills_appear_live_and_the_empty_state_is_plain()
    {
        SignIn("victor", "Viewer");
        var cut = Render<FillsPage>();
        Assert.Equal("No fills yet.", cut.Find("[data-fills-empty]").TextContent.Trim());

        await OpenLongAsync();
        Time.Advance(TradingPageBase.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr[data-fill]")));
        var row = cut.Find("tr[data-fill]");
        Assert.Equal("Buy", row.QuerySelector("[data-side]")!.TextContent.Trim());
        Assert.Contains("ETHUSDT", row.TextContent, StringComparison.Ordinal);
        Assert.Contains("5,000.00", row.TextContent, StringComparison.Ordinal); // 2.5 x 2000
    }
}
