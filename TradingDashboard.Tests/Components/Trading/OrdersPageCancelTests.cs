using Bunit;
using MudBlazor;
using TradingDashboard.Components.Pages.Trading;
using TradingDashboard.Core.Execution;
using TradingDashboard.Tests.Execution;

namespace TradingDashboard.Tests.Components.Trading;

public sealed class OrdersPageCancelTests : TradingPageTestBase
{
    private const string OrderId = "rest-1";

    /// <summary>A resting ETHUSDT limit buy at 1900 under a last price of 2000: open on the paper venue.</summary>
    private async Task<IRenderedComponent<OrdersPage>> RenderWithRestingOrderAsync()
    {
        await H.Bar(ExecutionTestKit.T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        var submission = await H.Orders.SubmitAsync(new OrderIntent(OrderId, "ETHUSDT", OrderSide.Buy, OrderType.Limit, 1m, 1900m) { StopLossPrice = 1850m });
        Assert.True(submission.Order.IsOpen);
        return Render<OrdersPage>();
    }

    private string ClientOrderId => Assert.Single(H.Orders.GetOpenOrders()).ClientOrderId;

    [Fact]
    public async Task A_viewer_sees_the_cancel_button_disabled()
    {
        SignIn("victor", "Viewer");
        var cut = await RenderWithRestingOrderAsync();

        var button = cut.Find($"button[data-cancel='{ClientOrderId}']");

        Assert.True(button.HasAttribute("disabled"));
        Assert.Empty(cut.FindAll("[data-cancel-confirm]"));
    }

    [Fact]
    public async Task An_admin_confirms_the_cancel_the_order_is_canceled_and_the_row_disappears()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithRestingOrderAsync();
        var id = ClientOrderId;
        var button = cut.Find($"button[data-cancel='{id}']");
        Assert.False(button.HasAttribute("disabled"));

        button.Click();

        // Only the confirmation cancels: nothing has happened yet.
        Assert.Equal(id, cut.Find("[data-cancel-confirm]").GetAttribute("data-cancel-confirm"));
        Assert.True(H.Orders.GetOrder(id)!.IsOpen);
        Assert.Empty(H.Audit.Entries);

        cut.Find("#cancel-submit").Click();

        Assert.Equal(OrderStatus.Canceled, H.Orders.GetOrder(id)!.Status);
        Assert.Equal(OrderStatus.Canceled, (await H.Exchange.QueryOrderAsync("ETHUSDT", id))!.Status);
        var audit = Assert.Single(H.Audit.Entries);
        Assert.Equal(("alice", Address, "cancel-order", true), (audit.Actor, audit.Address, audit.Action, audit.Allowed));
        Assert.Equal(Severity.Success, Assert.Single(Snackbar.ShownSnackbars).Severity);
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("tr[data-order]"));
            Assert.Empty(cut.FindAll("[data-cancel-confirm]"));
        });
    }

    [Fact]
    public async Task Keep_order_closes_the_confirmation_without_canceling()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithRestingOrderAsync();
        var id = ClientOrderId;

        cut.Find($"button[data-cancel='{id}']").Click();
        cut.Find("#cancel-back").Click();

        Assert.Empty(cut.FindAll("[data-cancel-confirm]"));
        Assert.True(H.Orders.GetOrder(id)!.IsOpen);
        Assert.Single(cut.FindAll("tr[data-order]"));
    }

    [Fact]
    public async Task The_server_refuses_a_user_demoted_while_confirming_and_the_order_stays_open()
    {
        SignIn("alice", "Admin");
        var cut = await RenderWithRestingOrderAsync();
        var id = ClientOrderId;
        cut.Find($"button[data-cancel='{id}']").Click();

        Auth.SetRoles("Viewer"); // ManualOrders checks the role again on the server
        cut.Find("#cancel-submit").Click();

        Assert.True(H.Orders.GetOrder(id)!.IsOpen);
        var snackbar = Assert.Single(Snackbar.ShownSnackbars);
        Assert.Equal(Severity.Error, snackbar.Severity);
        Assert.StartsWith("Access denied", snackbar.Message, StringComparison.Ordinal);
        Assert.False(Assert.Single(H.Audit.Entries).Allowed);
    }
}
