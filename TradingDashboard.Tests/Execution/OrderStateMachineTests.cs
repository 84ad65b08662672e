using TradingDashboard.Core.Execution;

namespace TradingDashboard.Tests.Execution;

public class OrderStateMachineTests
{
    // The allowed transitions, written out by hand from the lifecycle in issue 5.
    private static readonly HashSet<(OrderStatus, OrderStatus)> Allowed =
    [
        (OrderStatus.New, OrderStatus.Submitted),
        (OrderStatus.New, OrderStatus.Rejected),
        (OrderStatus.Submitted, OrderStatus.Accepted),
        (OrderStatus.Submitted, OrderStatus.Rejected),
        (OrderStatus.Accepted, OrderStatus.PartiallyFilled),
        (OrderStatus.Accepted, OrderStatus.Filled),
        (OrderStatus.Accepted, OrderStatus.Canceled),
        (OrderStatus.Accepted, OrderStatus.Expired),
        (OrderStatus.PartiallyFilled, OrderStatus.PartiallyFilled),
        (OrderStatus.PartiallyFilled, OrderStatus.Filled),
        (OrderStatus.PartiallyFilled, OrderStatus.Canceled),
        (OrderStatus.PartiallyFilled, OrderStatus.Expired),
    ];

    public static TheoryData<OrderStatus, OrderStatus> AllPairs()
    {
        var data = new TheoryData<OrderStatus, OrderStatus>();
        foreach (var from in Enum.GetValues<OrderStatus>())
        {
            foreach (var to in Enum.GetValues<OrderStatus>())
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void Only_the_lifecycle_transitions_are_allowed(OrderStatus from, OrderStatus to)
    {
        var expected = Allowed.Contains((from, to));
        Assert.Equal(expected, OrderStateMachine.CanTransition(from, to));

        var order = NewOrder(from);
        var time = DateTimeOffset.FromUnixTimeMilliseconds(ExecutionTestKit.T0 + 5);
        if (expected)
        {
            var (updated, e) = OrderStateMachine.Transition(order, to, "because", time, 7);
            Assert.Equal(to, updated.Status);
            Assert.Equal(from, e.From);
            Assert.Equal(to, e.To);
            Assert.Equal("because", e.Reason);
            Assert.Equal(time, e.Time);
            Assert.Equal(7, e.Sequence);
            Assert.Equal(from, order.Status); // the input snapshot is untouched
        }
        else
        {
            var ex = Assert.Throws<InvalidOrderTransitionException>(() => OrderStateMachine.Transition(order, to, "because", time, 7));
            Assert.Equal(from, ex.From);
            Assert.Equal(to, ex.To);
        }
    }

    [Fact]
    public void Terminal_states_have_no_way_out()
    {
        foreach (var terminal in new[] { OrderStatus.Filled, OrderStatus.Canceled, OrderStatus.Rejected, OrderStatus.Expired })
        {
            Assert.True(terminal.IsTerminal());
            Assert.All(Enum.GetValues<OrderStatus>(), to => Assert.False(OrderStateMachine.CanTransition(terminal, to)));
        }
    }

    private static Order NewOrder(OrderStatus status)
    {
        var intent = new OrderIntent("i-1", "ETHUSDT", OrderSide.Buy, OrderType.Market, 1m);
        var t = DateTimeOffset.FromUnixTimeMilliseconds(ExecutionTestKit.T0);
        return new Order("td-x", intent, "Paper", status, 0m, 0m, null, t, t, "created");
    }
}
