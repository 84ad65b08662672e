using TradingDashboard.Core.Pipeline;

namespace TradingDashboard.Tests.Pipeline;

public sealed class ChangeListenersTests
{
    [Fact]
    public void A_throwing_listener_is_reported_and_the_others_still_run()
    {
        var listeners = new ChangeListeners();
        var calls = new List<string>();
        var failures = new List<Exception>();
        using var a = listeners.Add(() => calls.Add("a"));
        using var b = listeners.Add(() => throw new InvalidOperationException("closed circuit"));
        using var c = listeners.Add(() => calls.Add("c"));

        listeners.Raise(failures.Add);

        Assert.Equal(["a", "c"], calls);
        Assert.Equal("closed circuit", Assert.Single(failures).Message);
    }

    [Fact]
    public void A_disposed_subscription_is_not_called_and_disposing_twice_removes_nothing_else()
    {
        var listeners = new ChangeListeners();
        var calls = 0;
        var other = 0;
        var subscription = listeners.Add(() => calls++);
        using var kept = listeners.Add(() => other++);

        subscription.Dispose();
        subscription.Dispose();
        listeners.Raise(_ => Assert.Fail("no listener throws"));

        Assert.Equal(0, calls);
        Assert.Equal(1, other);
    }
}
