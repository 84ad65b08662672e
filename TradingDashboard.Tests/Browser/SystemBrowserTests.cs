using System.Text.Json;
using Microsoft.Playwright;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// The System page and the process API in Chromium against the real host, whose "market-data" process runs the real
/// DataProvider on the Replay source.
/// </summary>
[Trait("Category", "Browser")]
[Collection(ReplayHostCollection.Name)]
public sealed class SystemBrowserTests(ReplayHostFixture host)
{
    private const string MarketData = MarketDataProcess.ProcessName;
    private const string StopPath = "/api/processes/" + MarketData + "/stop";

    [Fact]
    public async Task Admin_switches_market_data_off_and_on_and_the_replay_runs_again()
    {
        await WaitForRunningAsync();
        var page = await host.NewPageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/system", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);
            Assert.Equal("1", await page.Locator(".td-page").GetAttributeAsync("data-can-control"));
            var row = page.Locator($"tr[data-process='{MarketData}']");
            var toggle = row.Locator(".mud-switch input[type=checkbox]");
            await row.Locator("[data-state='Running']").WaitForAsync();
            Assert.True(await toggle.IsEnabledAsync());
            Assert.True(await toggle.IsCheckedAsync());

            // The whole replay (1800 klines x 2 symbols) went through the data provider once before the stop.
            var replayed = ReplayHostFixture.FixtureMinutes * ReplayHostFixture.Symbols.Count;
            await ReplayHostFixture.WaitUntilAsync(() => host.Process(MarketData).MessagesTotal >= replayed, $"{replayed} replayed messages");
            var totalBefore = host.Process(MarketData).MessagesTotal;

            await toggle.ClickAsync();
            await row.Locator("[data-state='Stopped']").WaitForAsync();
            Assert.Equal(ProcessState.Stopped, host.Process(MarketData).State);
            await Assertions.Expect(row.Locator(".mud-switch input[type=checkbox]")).Not.ToBeCheckedAsync();

            await row.Locator(".mud-switch input[type=checkbox]").ClickAsync();
            await row.Locator("[data-state='Running']").WaitForAsync();
            Assert.Equal(ProcessState.Running, host.Process(MarketData).State);
            await Assertions.Expect(row.Locator(".mud-switch input[type=checkbox]")).ToBeCheckedAsync();

            // Started again, the data provider streams the replay from its start once more.
            await ReplayHostFixture.WaitUntilAsync(() => host.Process(MarketData).MessagesTotal >= totalBefore + replayed, "the replay to run again");
            var audit = (await host.Factory.AuditAsync()).Where(e => e.Actor == HostFactory.AdminUserName && e.Target == MarketData).ToList();
            Assert.Contains(audit, e => e is { Action: "process.stop", Allowed: true });
            Assert.Contains(audit, e => e is { Action: "process.start", Allowed: true });
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Viewer_sees_disabled_switches_and_a_post_from_its_browser_is_refused_with_403()
    {
        await WaitForRunningAsync();
        const string viewer = "e2e-viewer";
        const string password = "e2e-viewer-password";
        await host.Factory.CreateUserAsync(viewer, password, UserRole.Viewer);
        var page = await host.NewPageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/system", viewer, password);
            Assert.Equal("0", await page.Locator(".td-page").GetAttributeAsync("data-can-control"));
            await page.Locator("[data-read-only='1']").WaitForAsync();
            await page.Locator($"tr[data-process='{MarketData}'] [data-state='Running']").WaitForAsync();
            var toggles = page.Locator("tr[data-process] .mud-switch input[type=checkbox]");
            Assert.Equal(host.Processes.List().Count, await toggles.CountAsync());
            foreach (var toggle in await toggles.AllAsync())
            {
                Assert.True(await toggle.IsDisabledAsync());
            }

            // Same origin, with the viewer's cookie: past the CSRF check, refused by the Admin policy.
            var (status, body) = await FetchPostAsync(page, StopPath);

            Assert.Equal(403, status);
            Assert.Equal(string.Empty, body);
            Assert.Equal(ProcessState.Running, host.Process(MarketData).State);
            Assert.Equal("Running", await page.Locator($"tr[data-process='{MarketData}'] [data-state]").GetAttributeAsync("data-state"));
            var refusal = Assert.Single(await host.Factory.AuditAsync(), e => e.Actor == viewer && e.Action == "process.stop");
            Assert.False(refusal.Allowed);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_page_on_another_port_or_site_cannot_stop_a_process_with_the_admins_cookie()
    {
        await WaitForRunningAsync();
        var page = await host.NewPageAsync();
        try
        {
            await host.SignInThroughFormAsync(page, "/system", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);

            // Same site (another port of 127.0.0.1): the browser sends the SameSite=Lax cookie; the API refuses by origin.
            Assert.Equal(403, await SubmitFormFromAsync(page, "http://127.0.0.1:1/forged"));
            Assert.Equal(ProcessState.Running, host.Process(MarketData).State);

            // Another site (localhost is not 127.0.0.1): the browser keeps the cookie to itself.
            Assert.Equal(401, await SubmitFormFromAsync(page, "http://localhost:1/forged"));
            Assert.Equal(ProcessState.Running, host.Process(MarketData).State);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private Task WaitForRunningAsync() =>
        ReplayHostFixture.WaitUntilAsync(() => host.Process(MarketData).State == ProcessState.Running, $"{MarketData} to run");

    /// <summary>fetch() from the page: the browser's own cookies and headers (Origin, Sec-Fetch-Site).</summary>
    private static async Task<(int Status, string Body)> FetchPostAsync(IPage page, string path)
    {
        var result = await page.EvaluateAsync<JsonElement>(
            "async path => { const r = await fetch(path, { method: 'POST' }); return { status: r.status, body: await r.text() }; }",
            path);
        return (result.GetProperty("status").GetInt32(), result.GetProperty("body").GetString() ?? string.Empty);
    }

    /// <summary>
    /// Serves a page at <paramref name="pageUrl"/> (through Playwright's router: nothing listens there) that posts a
    /// plain HTML form to the stop endpoint, as a forged page would; returns the status the API answered.
    /// </summary>
    private async Task<int> SubmitFormFromAsync(IPage page, string pageUrl)
    {
        var target = host.BaseUrl + StopPath;
        await page.RouteAsync(pageUrl, route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/html",
            Body = $"<!doctype html><form id='f' method='post' action='{target}'></form><script>document.getElementById('f').submit()</script>",
        }));
        var response = page.WaitForResponseAsync(target);
        await page.GotoAsync(pageUrl);
        return (await response).Status;
    }
}
