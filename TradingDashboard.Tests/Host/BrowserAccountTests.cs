using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using TradingDashboard.Tests.Browser;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Host;

/// <summary>
/// The account pages in a real browser (Debian's Chromium through Playwright) against the host on real Kestrel:
/// the static login form, then the interactive Users, Audit and My tokens pages in a Blazor circuit.
/// </summary>
[Trait("Category", "Browser")]
public sealed partial class BrowserAccountTests : IAsyncLifetime
{
    private readonly HostFactory _factory = HostFactory.Create(o => o.UseKestrel = true);
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await Chromium.LaunchAsync(_playwright);
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Admin_signs_in_creates_a_viewer_sees_it_audited_and_issues_a_token()
    {
        var baseUrl = _factory.ServerAddress.ToString().TrimEnd('/');
        var page = await _browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = baseUrl });

        await page.GotoAsync("/users");
        Assert.EndsWith("/login?returnUrl=%2Fusers", page.Url, StringComparison.Ordinal);

        await page.FillAsync("#login-username", HostFactory.AdminUserName);
        await page.FillAsync("#login-password", HostFactory.DefaultAdminPassword);
        await page.ClickAsync("#login-submit");
        await page.WaitForURLAsync(baseUrl + "/users");
        await page.Locator("[data-interactive='1']").WaitForAsync();

        await page.GetByLabel("User name").FillAsync("browser-viewer");
        await page.GetByLabel("Password").FillAsync("browser-viewer-password");
        await page.ClickAsync("#create-user");
        await page.Locator("#users-table").GetByText("browser-viewer").WaitForAsync();
        Assert.Contains("Created Viewer 'browser-viewer'", await page.Locator("#users-info").InnerTextAsync(), StringComparison.Ordinal);

        await page.GotoAsync("/audit");
        await page.Locator("[data-interactive='1']").WaitForAsync();
        var row = page.Locator("#audit-table tr", new PageLocatorOptions { HasText = "user.create" }).Filter(new LocatorFilterOptions { HasText = "browser-viewer" });
        await row.First.WaitForAsync();
        var rowText = await row.First.InnerTextAsync();
        Assert.Contains("admin", rowText, StringComparison.Ordinal);

        // The circuit has no HttpContext: the address comes from the request that rendered the page.
        Assert.Contains("127.0.0.1", rowText, StringComparison.Ordinal);

        await page.GotoAsync("/account/tokens");
        await page.Locator("[data-interactive='1']").WaitForAsync();
        await page.GetByLabel("Token name").FillAsync("browser-script");
        await page.ClickAsync("#token-create");
        var secret = (await page.Locator("#token-secret").InnerTextAsync()).Trim();
        Assert.Matches(TokenFormat(), secret);

        using var api = _factory.CreateBearerClient(secret);
        using var response = await api.GetAsync("/api/processes");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [GeneratedRegex("^tdk_[A-Za-z0-9_-]{43}$")]
    private static partial Regex TokenFormat();
}
