using Bunit;
using MudBlazor;
using TradingDashboard.Components.Pages.Trading;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Tests.Components.Trading;

public sealed class RiskPageTests : TradingPageTestBase
{
    [Fact]
    public void A_viewer_sees_metrics_and_limits_with_every_control_disabled()
    {
        SignIn("victor", "Viewer");

        var cut = Render<RiskPage>();

        Assert.Equal("0", cut.Find("[data-page=risk]").GetAttribute("data-can-control"));
        Assert.Equal("Active", cut.Find("[data-state]").GetAttribute("data-state"));
        Assert.NotEmpty(cut.FindAll("tr[data-limit]"));
        Assert.Contains("10,000.00", cut.Find("tr[data-metric=equity]").TextContent, StringComparison.Ordinal);
        foreach (var id in new[] { "#risk-state", "#risk-set-state", "#kill-arm", "#kill-flatten", "#kill-reason" })
        {
            Assert.True(cut.Find(id).HasAttribute("disabled"), id);
        }
    }

    [Fact]
    public async Task The_kill_switch_asks_for_confirmation_then_calls_the_service_with_the_admin_actor()
    {
        await OpenLongAsync();
        SignIn("alice", "Admin");
        var cut = Render<RiskPage>();
        Assert.False(cut.Find("#kill-arm").HasAttribute("disabled"));

        cut.Find("#kill-reason").Change("exchange incident");
        cut.Find("#kill-flatten").Change(true);
        cut.Find("#kill-arm").Click();
        Assert.Equal(TradingState.Active, H.Risk.State); // armed, not yet fired
        cut.Find("#kill-confirm").Click();

        Assert.Equal(TradingState.Halted, H.Risk.State);
        var audit = H.Audit.Entries[^1];
        Assert.Equal(("alice", Address, "kill-switch", true), (audit.Actor, audit.Address, audit.Action, audit.Allowed));
        Assert.Equal("cancel orders and flatten positions", audit.Target);
        Assert.Contains("exchange incident", H.Risk.StateReason, StringComparison.Ordinal);
        var flatten = Assert.Single(H.Orders.GetOpenOrders(), o => o.Intent.Source == "kill-switch");
        Assert.Equal((OrderSide.Sell, 2.5m), (flatten.Side, flatten.Quantity));
        Assert.Equal("Halted", cut.Find("[data-state]").GetAttribute("data-state"));
        Assert.NotNull(cut.Find("[data-kill-result]"));
    }

    [Fact]
    public void A_refused_kill_switch_shows_access_denied_and_changes_nothing()
    {
        SignIn("alice", "Admin");
        var cut = Render<RiskPage>();
        cut.Find("#kill-arm").Click();

        Auth.SetRoles("Viewer");
        cut.Find("#kill-confirm").Click();

        Assert.Equal(TradingState.Active, H.Risk.State);
        var snackbar = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Error, snackbar.Severity);
        Assert.StartsWith("Access denied: cannot use the kill switch.", snackbar.Message, StringComparison.Ordinal);
        Assert.Equal(("alice", false), (H.Audit.Entries[^1].Actor, H.Audit.Entries[^1].Allowed));
    }

    [Fact]
    public void An_admin_sets_the_trading_state_and_the_chip_follows()
    {
        SignIn("alice", "Admin");
        var cut = Render<RiskPage>();

        cut.Find("#risk-state").Change(TradingState.Reducing.ToString());
        cut.Find("#risk-state-reason").Change("news");
        cut.Find("#risk-set-state").Click();

        Assert.Equal(TradingState.Reducing, H.Risk.State);
        Assert.Equal("set by alice: news", H.Risk.StateReason);
        Assert.Equal("Reducing", cut.Find("[data-state]").GetAttribute("data-state"));
    }

    [Fact]
    public async Task State_changes_made_elsewhere_appear_on_the_next_tick()
    {
        SignIn("victor", "Viewer");
        var cut = Render<RiskPage>();

        await KillSwitch.ActivateAsync(Risk.RiskTestKit.Admin, flatten: false, "elsewhere");
        Assert.Equal("Active", cut.Find("[data-state]").GetAttribute("data-state"));
        Time.Advance(TradingPageBase.RefreshInterval);

        cut.WaitForAssertion(() => Assert.Equal("Halted", cut.Find("[data-state]").GetAttribute("data-state")));
    }
}
