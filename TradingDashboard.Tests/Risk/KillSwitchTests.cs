using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Security;
using TradingDashboard.Tests.Execution;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

public class KillSwitchTests
{
    private const long M = ExecutorHarness.M;

    private static async Task<ExecutorHarness> WithPositionAndOrders()
    {
        var h = new ExecutorHarness();
        await h.Bar(T0 - M, 2000, 2000, 2000, 2000);
        await h.Executor.ApplyTargetAsync(h.Target(1m));
        await h.Bar(T0, 2000, 2010, 1990, 2005); // long 2.5 with a stop order on the venue
        await h.Orders.SubmitAsync(new OrderIntent("resting", "ETHUSDT", OrderSide.Buy, OrderType.Limit, 0.5m, 1500m));
        Assert.Equal(2, h.Orders.OpenOrderCount);
        return h;
    }

    [Fact]
    public async Task A_viewer_is_refused_audited_and_nothing_changes()
    {
        using var h = await WithPositionAndOrders();
        var kill = new KillSwitch(h.Risk, h.Orders, h.Audit, h.Clock);

        await Assert.ThrowsAsync<AccessDeniedException>(() => kill.ActivateAsync(RiskTestKit.Viewer, flatten: true, "panic"));

        Assert.Equal(TradingState.Active, h.Risk.State);
        Assert.Equal(2, h.Orders.OpenOrderCount);
        var entry = Assert.Single(h.Audit.Entries);
        Assert.Equal(("victor", "kill-switch", false), (entry.Actor, entry.Action, entry.Allowed));
    }

    [Fact]
    public async Task An_admin_halts_cancels_everything_and_flattens()
    {
        using var h = await WithPositionAndOrders();
        var kill = new KillSwitch(h.Risk, h.Orders, h.Audit, h.Clock);

        var result = await kill.ActivateAsync(RiskTestKit.Admin, flatten: true, "exchange incident");

        Assert.Equal(TradingState.Halted, result.State);
        Assert.Equal(2, result.OrdersCanceled);
        var flatten = Assert.Single(result.FlattenOrders);
        Assert.Equal((OrderSide.Sell, 2.5m, true, true), (flatten.Side, flatten.Quantity, flatten.Intent.ReduceOnly, flatten.Intent.IsProtective));
        Assert.Empty(result.StillOpen);
        var audit = Assert.Single(h.Audit.Entries);
        Assert.True(audit.Allowed);
        Assert.Equal("Active", audit.Before);

        await h.Bar(T0 + M, 1990, 1995, 1985, 1990);
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
        Assert.Equal(0, h.Orders.OpenOrderCount);
        Assert.Equal(TargetAction.Denied, (await h.Executor.ApplyTargetAsync(h.Target(1m))).Action);
    }

    [Fact]
    public async Task Without_flatten_positions_stay_with_their_stops_and_other_orders_go()
    {
        using var h = await WithPositionAndOrders();
        var result = await new KillSwitch(h.Risk, h.Orders, h.Audit, h.Clock).ActivateAsync(RiskTestKit.Admin, flatten: false, "pause");
        Assert.Empty(result.FlattenOrders);
        Assert.Equal(1, result.OrdersCanceled); // the resting limit
        var stop = Assert.Single(h.Orders.GetOpenOrders());
        Assert.True(stop.Intent.IsProtective);
        Assert.Equal(2.5m, h.Orders.Positions.QuantityOf("ETHUSDT"));

        await h.Bar(T0 + M, 1990, 1995, 1950, 1955); // the stop still protects the halted position
        Assert.Equal(0m, h.Orders.Positions.QuantityOf("ETHUSDT"));
    }
}
