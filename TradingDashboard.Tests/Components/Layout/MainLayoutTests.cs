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

    public MainLayoutTests()
    {
        Ctx.Services.AddSingleton<IAlertService>(new AlertService(Time, NullLogger<AlertService>.Instance));
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

        Assert.Equal(["/", "/charts", "/system", "/users", "/audit"], NavTargets(cut));
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

        Assert.Equal(["/", "/charts", "/system"], NavTargets(cut));
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
    public void Signed_out_shows_no_user_block()
    {
        _auth.SetNotAuthorized();

        var cut = RenderLayout();

        Assert.Empty(cut.FindAll(".td-user"));
        Assert.Equal(["/", "/charts", "/system"], NavTargets(cut));
    }
}
