using System.Globalization;
using Microsoft.Playwright;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Browser;

/// <summary>
/// Overview, Charts and System render in Chromium against the real host without a console error, an uncaught page
/// error or a failed request, and show the replayed data. With TD_E2E_SCREENSHOTS set to a folder, full-page
/// screenshots of each page (desktop and phone width) are written there for a look by eye; nothing is written
/// otherwise.
/// </summary>
[Trait("Category", "Browser")]
[Collection(ReplayHostCollection.Name)]
public sealed class PageRenderBrowserTests(ReplayHostFixture host)
{
    public static string? ScreenshotDirectory => Environment.GetEnvironmentVariable("TD_E2E_SCREENSHOTS") is { Length: > 0 } dir ? dir : null;

    [Fact]
    public async Task Overview_charts_and_system_render_the_replayed_data_without_browser_errors()
    {
        var page = await host.NewPageAsync();
        var problems = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add($"console error on {page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => problems.Add($"page error on {page.Url}: {error}");
        page.RequestFailed += (_, request) => problems.Add($"request failed: {request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            // The sign-in redirect's target answers 200; anything 4xx/5xx is a broken link or call.
            if (response.Status >= 400)
            {
                problems.Add($"HTTP {response.Status}: {response.Request.Method} {response.Url}");
            }
        };

        try
        {
            await host.SignInThroughFormAsync(page, "/", HostFactory.AdminUserName, HostFactory.DefaultAdminPassword);
            foreach (var (symbol, _) in ReplayHostFixture.Symbols)
            {
                var tile = page.Locator($".td-tile[data-symbol='{symbol}'][data-has-data='1']");
                await tile.WaitForAsync();
                var shown = double.Parse(await tile.Locator("[data-price]").GetAttributeAsync("data-price") ?? "NaN", CultureInfo.InvariantCulture);
                Assert.Equal((double)host.Klines.LastKline[symbol].Close, shown, 1e-9);
            }

            await ScreenshotAsync(page, "overview");

            await page.GotoAsync("/charts");
            await ReplayHostFixture.WaitForInteractiveAsync(page);
            await page.Locator("#td-candles .boxlayer .trace.boxes path.box").First.WaitForAsync();
            await ScreenshotAsync(page, "charts");

            await page.GotoAsync("/system");
            await ReplayHostFixture.WaitForInteractiveAsync(page);
            await page.Locator("tr[data-process] [data-state]").First.WaitForAsync();
            await ScreenshotAsync(page, "system");

            if (ScreenshotDirectory is not null)
            {
                await page.SetViewportSizeAsync(390, 844);
                foreach (var (path, name, ready) in new[]
                         {
                             ("/", "overview", ".td-tile[data-has-data='1']"),
                             ("/charts", "charts", "#td-candles .boxlayer .trace.boxes path.box"),
                             ("/system", "system", "tr[data-process] [data-state]"),
                         })
                {
                    await page.GotoAsync(path);
                    await ReplayHostFixture.WaitForInteractiveAsync(page);
                    await page.Locator(ready).First.WaitForAsync();
                    await ScreenshotAsync(page, name + "-phone");
                }
            }

            Assert.Empty(problems);
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        if (ScreenshotDirectory is not { } directory)
        {
            return;
        }

        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name + ".png"), FullPage = true });
    }
}
