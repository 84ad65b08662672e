using System.Globalization;
using Microsoft.Playwright;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// The layout in Chromium at phone width (390 x 844) and on a desktop: the logout control stays on screen, the System
/// page does not overflow sideways, and the chart follows the width the drawer leaves it.
/// </summary>
[Trait("Category", "Browser")]
[Collection(ReplayHostCollection.Name)]
public sealed class ResponsiveLayoutBrowserTests(ReplayHostFixture host)
{
    private const int PhoneWidth = 390;
    private const int PhoneHeight = 844;

    private async Task<IPage> PhonePageAsync()
    {
        var context = await host.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = host.BaseUrl,
            ViewportSize = new ViewportSize { Width = PhoneWidth, Height = PhoneHeight },
            IsMobile = true,
            HasTouch = true,
        });
        context.SetDefaultTimeout(ReplayHostFixture.WaitMs);
        return await context.NewPageAsync();
    }

    [Fact]
    public async Task At_phone_width_logout_is_on_screen_and_the_system_page_does_not_overflow()
    {
        var page = await PhonePageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/system", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);
            Assert.Equal(PhoneWidth, await page.EvaluateAsync<int>("() => window.innerWidth"));

            // The logout control: visible and wholly inside the viewport.
            var logout = page.Locator(".td-logout");
            await logout.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
            var box = await logout.BoundingBoxAsync();
            Assert.NotNull(box);
            Assert.True(box.X >= 0 && box.X + box.Width <= PhoneWidth && box.Y >= 0 && box.Y + box.Height <= PhoneHeight,
                $"logout at x {box.X}..{box.X + box.Width}, y {box.Y}..{box.Y + box.Height} in a {PhoneWidth} x {PhoneHeight} viewport");
            Assert.Equal("Logout", await logout.GetAttributeAsync("aria-label"));

            // The process table: every process listed, nothing wider than the viewport.
            var rows = page.Locator("tr[data-process]");
            await rows.First.WaitForAsync();
            var count = await rows.CountAsync();
            Assert.True(count >= 2, $"only {count} processes listed");
            var (scrollWidth, innerWidth) = await WidthsAsync(page);
            Assert.True(scrollWidth <= innerWidth, $"the System page is {scrollWidth} px wide in a {innerWidth} px viewport");

            // Each row's switch (the last column) is on screen: no column runs off to the right.
            for (var i = 0; i < count; i++)
            {
                var toggle = rows.Nth(i).Locator(".mud-switch");
                var toggleBox = await toggle.BoundingBoxAsync();
                Assert.NotNull(toggleBox);
                Assert.True(toggleBox.X >= 0 && toggleBox.X + toggleBox.Width <= PhoneWidth, $"switch of row {i} at x {toggleBox.X}..{toggleBox.X + toggleBox.Width}");
            }

            // The chart page at this width: the plot fits the viewport.
            await page.GotoAsync("/charts");
            await ReplayHostFixture.WaitForInteractiveAsync(page);
            await page.WaitForFunctionAsync("() => { const gd = document.getElementById('td-candles'); return !!(gd && gd._fullLayout && gd.data && gd.data[0].x.length > 0); }");
            var plotWidth = await page.EvaluateAsync<double>("() => document.getElementById('td-candles')._fullLayout.width");
            Assert.True(plotWidth <= PhoneWidth, $"the chart is {plotWidth} px wide");
            Assert.True(await logout.IsVisibleAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_chart_width_follows_the_drawer_when_it_closes_and_opens()
    {
        var page = await host.NewPageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/charts", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);
            await page.WaitForFunctionAsync("() => { const gd = document.getElementById('td-candles'); return !!(gd && gd._fullLayout && gd.data && gd.data[0].x.length > 0); }");
            await WaitForFittedAsync(page);
            var openPlot = await PlotWidthAsync(page);
            var openDrawer = await DrawerWidthAsync(page);

            await page.Locator("button[aria-label='Toggle navigation']").ClickAsync();

            // Closed to the icon rail: the content (and so the figure) widens by what the drawer gave up.
            await page.WaitForFunctionAsync(
                "w => { const gd = document.getElementById('td-candles'); return gd._fullLayout.width > w + 50 && Math.abs(gd._fullLayout.width - gd.clientWidth) <= 1; }",
                openPlot);
            await WaitForStableAsync(page);
            var closedPlot = await PlotWidthAsync(page);
            var closedDrawer = await DrawerWidthAsync(page);
            Assert.True(closedDrawer < openDrawer, $"drawer {openDrawer} px open, {closedDrawer} px closed");
            Assert.InRange(closedPlot - openPlot, openDrawer - closedDrawer - 2, openDrawer - closedDrawer + 2);

            // Opened again: back to the first width.
            await page.Locator("button[aria-label='Toggle navigation']").ClickAsync();
            await page.WaitForFunctionAsync(
                "w => { const gd = document.getElementById('td-candles'); return gd._fullLayout.width < w - 50 && Math.abs(gd._fullLayout.width - gd.clientWidth) <= 1; }",
                closedPlot);
            await WaitForStableAsync(page);
            Assert.InRange(await PlotWidthAsync(page), openPlot - 2, openPlot + 2);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task<(int ScrollWidth, int InnerWidth)> WidthsAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.scrollingElement.scrollWidth, window.innerWidth]");
        return (widths[0], widths[1]);
    }

    private static Task<double> PlotWidthAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.getElementById('td-candles')._fullLayout.width");

    private static Task<double> DrawerWidthAsync(IPage page) =>
        page.EvaluateAsync<double>("() => document.querySelector('.mud-drawer').getBoundingClientRect().width");

    /// <summary>The figure is as wide as its element.</summary>
    private static Task WaitForFittedAsync(IPage page) =>
        page.WaitForFunctionAsync("() => { const gd = document.getElementById('td-candles'); return Math.abs(gd._fullLayout.width - gd.clientWidth) <= 1; }");

    /// <summary>Waits until the drawer's transition is over: the figure fits its element and kept its width for 300 ms.</summary>
    private static async Task WaitForStableAsync(IPage page)
    {
        var last = double.NaN;
        for (var i = 0; i < 100; i++)
        {
            await WaitForFittedAsync(page);
            var width = await PlotWidthAsync(page);
            if (width.Equals(last))
            {
                return;
            }

            last = width;
            await page.WaitForTimeoutAsync(300);
        }

        Assert.Fail("the chart width did not settle: last " + last.ToString(CultureInfo.InvariantCulture));
    }
}
