using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Execution;

public class ManualOrdersTests
{
    private static OrderIntent Limit(string id, decimal qty = 1m) => new(id, "ETHUSDT", OrderSide.Buy, OrderType.Limit, qty, 1900m) { StopLossPrice = 1850m };

    [Fact]
    public async Task A_viewer_cannot_place_an_order_and_the_attempt_is_audited()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        var manual = new ManualOrders(h.Orders, h.Risk, h.Audit);
        await Assert.ThrowsAsync<AccessDeniedException>(() => manual.SubmitAsync(RiskTestKit.Viewer, Limit("form-1")));
        Assert.Equal(0, h.Orders.Counters.OrdersCreated);
        Assert.False(Assert.Single(h.Audit.Entries).Allowed);
    }

    [Fact]
    public async Task An_admin_order_passes_risk_once_even_when_confirmed_twice()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        var manual = new ManualOrders(h.Orders, h.Risk, h.Audit);

        var first = await manual.SubmitAsync(RiskTestKit.Admin, Limit("form-1", qty: 3m));
        var again = await manual.SubmitAsync(RiskTestKit.Admin, Limit("form-1", qty: 3m));

        Assert.Equal(RiskVerdict.Resize, first.Risk.Verdict); // 1 % of 10000 over a 50 stop distance = 2
        Assert.Equal(2m, first.Order!.Quantity);
        Assert.Equal("manual", first.Order.Intent.Source);
        Assert.True(again.IsDuplicate);
        Assert.Single(h.Orders.GetOpenOrders());
        Assert.All(h.Audit.Entries, e => Assert.True(e.Allowed));
    }

    [Fact]
    public async Task Risk_denials_are_returned_and_audited()
    {
        using var h = new ExecutorHarness();
        await h.Bar(T0 - ExecutorHarness.M, 2000, 2000, 2000, 2000);
        await h.Risk.SetStateAsync(RiskTestKit.Admin, TradingState.Halted, "test");
        var result = await new ManualOrders(h.Orders, h.Risk, h.Audit).SubmitAsync(RiskTestKit.Admin, Limit("form-2"));
        Assert.Equal(RiskVerdict.Deny, result.Risk.Verdict);
        Assert.Null(result.Order);
        Assert.Contains("denied by risk", h.Audit.Entries[^1].After, StringComparison.Ordinal);
    }
}
