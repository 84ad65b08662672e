using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class ManualCancelTests
{
    /// <summary>A resting limit buy below the last price (2000), so it stays open on the paper venue.</summary>
    private static async Task<(ExecutorHarness H, ManualOrders Manual, string Id)> WithRestingOrderAsync()
    {
        var h = new ExecutorHarness();
        await h.Bar(T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        var submission = await h.Orders.SubmitAsync(new OrderIntent("rest-1", "ETHUSDT", OrderSide.Buy, OrderType.Limit, 1m, 1900m) { StopLossPrice = 1850m });
        Assert.True(submission.Order.IsOpen);
        return (h, new ManualOrders(h.Orders, h.Risk, h.Audit), submission.Order.ClientOrderId);
    }

    [Fact]
    public async Task A_viewer_cannot_cancel_the_attempt_is_audited_and_the_order_stays_open()
    {
        var (h, manual, id) = await WithRestingOrderAsync();
        using (h)
        {
            var statusBefore = h.Orders.GetOrder(id)!.Status;

            await Assert.ThrowsAsync<AccessDeniedException>(() => manual.CancelAsync(RiskTestKit.Viewer, id, "test"));

            var audit = Assert.Single(h.Audit.Entries);
            Assert.Equal(("cancel-order", false), (audit.Action, audit.Allowed));
            Assert.Equal(statusBefore, h.Orders.GetOrder(id)!.Status);
            Assert.Equal(id, Assert.Single(h.Orders.GetOpenOrders()).ClientOrderId);
            var venue = await h.Exchange.QueryOrderAsync("ETHUSDT", id);
            Assert.Equal(statusBefore, venue!.Status);
        }
    }

    [Fact]
    public async Task An_admin_cancels_the_order_on_the_paper_venue_and_it_is_audited()
    {
        var (h, manual, id) = await WithRestingOrderAsync();
        using (h)
        {
            Assert.True(await manual.CancelAsync(RiskTestKit.Admin, id, "changed my mind"));

            var audit = Assert.Single(h.Audit.Entries);
            Assert.Equal(("cancel-order", "ETHUSDT", true), (audit.Action, audit.Target, audit.Allowed));
            Assert.Equal(OrderStatus.Canceled, h.Orders.GetOrder(id)!.Status);
            Assert.Empty(h.Orders.GetOpenOrders());
            Assert.Equal(OrderStatus.Canceled, (await h.Exchange.QueryOrderAsync("ETHUSDT", id))!.Status);
            Assert.Contains("(by ", h.Orders.GetEvents(id)[^1].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Canceling_a_closed_order_returns_false_and_is_still_audited()
    {
        var (h, manual, id) = await WithRestingOrderAsync();
        using (h)
        {
            Assert.True(await manual.CancelAsync(RiskTestKit.Admin, id, "first"));
            Assert.False(await manual.CancelAsync(RiskTestKit.Admin, id, "again"));
            Assert.Equal(2, h.Audit.Entries.Count);
            Assert.Contains("not canceled", h.Audit.Entries[^1].After, StringComparison.Ordinal);
        }
    }
}
