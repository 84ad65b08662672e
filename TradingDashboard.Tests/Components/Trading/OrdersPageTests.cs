using Bunit;
using MudBlazor;
using TradingDashboard.Components.Pages.Trading;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Tests.Components.Trading;

public sealed class OrdersPageTests : TradingPageTestBase
{
    private async Task<IRenderedComponent<OrdersPage>> RenderWithPriceAsync()
    {
        // A last price for ETHUSDT, as the live feed would give it.
        await H.Bar(Execution.ExecutionTestKit.T0 - Execution.ExecutorHarness.M, 2000, 2000, 2000, 2000);
        return Render<OrdersPage>();
    }

    private static void FillLimitBuy(IRenderedComponent<OrdersPage> cut, string quantity, string limit, string stopLoss)
    {
        cut.Find("#mo-symbol").Change("ETHUSDT");
        cut.Find("#mo-type").Change(OrderType.Limit.ToString());
        cut.Find("#mo-quantity").Change(quantity);
        cut.Find("#mo-limit").Change(limit);
        cut.Find("#mo-stop-loss").Change(stopLoss);
        cut.Find("#mo-review").Click();
    }

    [Fact]
    public async Task A_viewer_sees_the_order_form_disabled_and_no_open_orders()
    {
        SignIn("victor", "Viewer");

        var cut = await RenderWithPriceAsync();

        Assert.Equal("0", cut.Find("[data-page=orders]").GetAttribute("data-can-trade"));
        Assert.True(cut.Find("#mo-review").HasAttribute("disabled"));
        Assert.True(cut.Find("#mo-quantity").HasAttribute("disabled"));
        Assert.NotNull(cut.Find("[data-manual-read-only]"));
        Assert.Equal("No open orders.", cut.Find("[data-orders-empty]").TextContent.Trim());
    }

    [Fact]
    public async Task The_confirmation_shows_the_rounded_order_and_the_risk_decision_and_only_confirm_submits()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithPriceAsync();
        Assert.False(cut.Find("#mo-review").HasAttribute("disabled"));

        FillLimitBuy(cut, "3.00004", "1900.019", "1850");

        // Rounded to the step 0.0001 (3.00004 -> 3) and, for a buy, down to the tick 0.01 (1900.019 -> 1900.01);
        // risk: 10000 x 1 % / (1900.01 - 1850) = 1.99968..., floored to the step: resized to 1.9996.
        var confirm = cut.Find("[data-confirm]");
        Assert.Equal("Resize", confirm.QuerySelector("[data-verdict]")!.GetAttribute("data-verdict"));
        Assert.Equal("Buy 1.9996 ETHUSDT Limit limit 1900.01, stop-loss 1850 (Gtc)", confirm.QuerySelector("[data-rounded-order]")!.TextContent.Trim());
        Assert.Equal(0, H.Orders.Counters.OrdersCreated);

        cut.Find("#mo-submit").Click();

        var order = Assert.Single(H.Orders.GetOpenOrders());
        Assert.Equal((OrderSide.Buy, 1.9996m, 1900.01m, "manual"), (order.Side, order.Quantity, order.Intent.LimitPrice, order.Intent.Source));
        var audit = H.Audit.Entries[^1];
        Assert.Equal(("alice", Address, "manual-order", true), (audit.Actor, audit.Address, audit.Action, audit.Allowed));
        Assert.Empty(cut.FindAll("[data-confirm]"));
        Assert.Equal(Severity.Success, Assert.Single(Snackbar.ShownSnackbars).Severity);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("tr[data-order]")));
    }

    [Fact]
    public async Task Back_leaves_the_confirmation_without_placing_anything()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithPriceAsync();
        FillLimitBuy(cut, "1", "1900", "1850");

        cut.Find("#mo-back").Click();

        Assert.Empty(cut.FindAll("[data-confirm]"));
        Assert.Equal(0, H.Orders.Counters.OrdersCreated);
    }

    [Fact]
    public async Task A_risk_denial_is_shown_and_submit_stays_disabled()
    {
        SignIn("alice", "Admin");
        await H.Risk.SetStateAsync(Risk.RiskTestKit.Admin, TradingState.Halted, "test");
        var cut = await RenderWithPriceAsync();

        FillLimitBuy(cut, "1", "1900", "1850");

        var verdict = cut.Find("[data-confirm] [data-verdict]");
        Assert.Equal("Deny", verdict.GetAttribute("data-verdict"));
        Assert.True(cut.Find("#mo-submit").HasAttribute("disabled"));
    }

    [Fact]
    public async Task Bad_input_is_rejected_at_the_form()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithPriceAsync();

        FillLimitBuy(cut, "abc", "1900", "1850");

        Assert.Equal("Quantity must be a positive number (use '.' for decimals).", cut.Find("[data-form-error]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-confirm]"));
    }

    [Fact]
    public async Task The_server_refuses_a_user_who_lost_the_admin_role_and_the_page_shows_access_denied()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithPriceAsync();
        FillLimitBuy(cut, "1", "1900", "1850");

        Auth.SetRoles("Viewer"); // demoted while the confirmation is open: ManualOrders checks again
        cut.Find("#mo-submit").Click();

        Assert.Equal(0, H.Orders.Counters.OrdersCreated);
        var snackbar = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Error, snackbar.Severity);
        Assert.StartsWith("Access denied", snackbar.Message, StringComparison.Ordinal);
        Assert.False(H.Audit.Entries[^1].Allowed);
    }
}
