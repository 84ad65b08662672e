using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Components.Layout;
using TradingDashboard.Core.Alerts;

namespace TradingDashboard.Tests.Components.Layout;

public sealed class MainLayoutTests : ComponentTestBase
{
    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;
    private readonly AlertService _alerts;

    public MainLayoutTests()
    {
        _alerts = new AlertService(Time, NullLogger<AlertService>.Instance);
        Ctx.Services.AddSingleton<IAlertService>(_alerts);
        _auth = Ctx.AddAuthorization();
    }

    private IRenderedComponent<MainLayout> RenderLayout() =>
        Render<MainLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddMarkupContent(0, "<p id=\"page-body\">body</p>"))));

    private static string[] NavTargets(IRenderedComponent<MainLayout> cut) =>
        cut.FindAll(".td-nav a[href]").Select(a => a.GetAttribute("href") ?? string.Empty).ToArray();

    [Fact]
    public void An_admin_sees_every_page_plus_users_and_audit_and_their_name_and_role()
    {
        _auth.SetAuthorized("alice");
        _auth.SetRoles("Admin");

        var cut = RenderLayout();

        Assert.Equal(["/", "/charts", "/quality", "/system", "/trading/positions", "/trading/orders", "/trading/fills", "/trading/risk", "/backtests", "/orchestrator", "/predictions", "/models", "/training", "/account/tokens", "/users", "/audit"], NavTargets(cut));
        Assert.Equal("alice", cut.Find(".td-user-name").TextContent.Trim());
        Assert.Equal("Admin", cut.Find("[data-role]").GetAttribute("data-role"));
        Assert.NotNull(cut.Find("#page-body"));
    }

    [Fact]
    public void A_viewer_does_not_see_users_and_audit()
    {
        _auth.SetAuthorized("victor");
        _auth.SetRoles("Viewer");

        var cut = RenderLayout();

        Assert.Equal(["/", "/charts", "/quality", "/system", "/trading/positions", "/trading/orders", "/trading/fills", "/trading/risk", "/backtests", "/orchestrator", "/predictions", "/models", "/training", "/account/tokens"], NavTargets(cut));
        Assert.Equal("Viewer", cut.Find("[data-role]").GetAttribute("data-role"));
    }

    [Fact]
    public void Logout_is_a_full_page_link_to_logout()
    {
        _auth.SetAuthorized("alice");
        _auth.SetRoles("Admin");

        var cut = RenderLayout();

        var logout = cut.Find("a.td-logout");
        Assert.Equal("/logout", logout.GetAttribute("href"));
        // Any target but _self keeps Blazor's router from intercepting the click.
        Assert.Equal("_top", logout.GetAttribute("target"));
    }

    [Fact]
    public void Signed_out_shows_no_user_block_and_no_alert_snackbars()
    {
        _auth.SetNotAuthorized();

        var cut = RenderLayout();
        _alerts.Raise(AlertSeverity.Error, "Pipeline", "faulted");
        Time.Advance(TradingDashboard.Components.Shared.AlertNotifier.Interval);

        Assert.Empty(cut.FindAll(".td-user"));
        Assert.Equal(["/", "/charts", "/quality", "/system", "/trading/positions", "/trading/orders", "/trading/fills", "/trading/risk", "/backtests", "/orchestrator", "/predictions", "/models", "/training", "/account/tokens"], NavTargets(cut));
        Assert.Empty(Snackbar.ShownSnackbars);
    }

    [Fact]
    public void Signed_in_the_layout_shows_alerts_as_snackbars()
    {
        _auth.SetAuthorized("alice");
        _auth.SetRoles("Viewer");

        var cut = RenderLayout();
        _alerts.Raise(AlertSeverity.Warning, "MarketData", "Binance silent");
        Time.Advance(TradingDashboard.Components.Shared.AlertNotifier.Interval);

        cut.WaitForAssertion(() => Assert.Equal("MarketData: Binance silent", Assert.Single(Snackbar.ShownSnackbars).Message));
    }
}
