using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Security;

public class LoginThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private LoginThrottle Create(int max = 3, int minutes = 5) =>
        new(Microsoft.Extensions.Options.Options.Create(new TradingOptions { Auth = new AuthOptions { MaxFailedLogins = max, LockoutMinutes = minutes } }), _time);

    [Fact]
    public void Locks_a_user_name_after_max_failures_from_any_address()
    {
        var throttle = Create();
        throttle.RecordFailure("alice", "1.1.1.1");
        throttle.RecordFailure("alice", "2.2.2.2");
        Assert.Null(throttle.RetryAfter("alice", "3.3.3.3"));

        throttle.RecordFailure("Alice", "3.3.3.3");

        // Third failure at t0: locked for the full window, whatever the address.
        Assert.Equal(TimeSpan.FromMinutes(5), throttle.RetryAfter("alice", "4.4.4.4"));
        Assert.Null(throttle.RetryAfter("bob", "4.4.4.4"));
    }

    [Fact]
    public void Locks_an_address_after_max_failures_across_user_names()
    {
        var throttle = Create();
        throttle.RecordFailure("a", "9.9.9.9");
        throttle.RecordFailure("b", "9.9.9.9");
        throttle.RecordFailure("c", "9.9.9.9");

        Assert.NotNull(throttle.RetryAfter("d", "9.9.9.9"));
        Assert.Null(throttle.RetryAfter("d", "8.8.8.8"));
    }

    [Fact]
    public void Lockout_ends_when_the_oldest_counted_failure_leaves_the_window()
    {
        var throttle = Create();
        throttle.RecordFailure("alice", null);
        _time.Advance(TimeSpan.FromMinutes(1));
        throttle.RecordFailure("alice", null);
        _time.Advance(TimeSpan.FromMinutes(1));
        throttle.RecordFailure("alice", null);

        // Failures at 0, 1 and 2 min; now = 2 min: the first leaves the 5 min window at 5 min.
        Assert.Equal(TimeSpan.FromMinutes(3), throttle.RetryAfter("alice", null));
        _time.Advance(TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(1));
        Assert.NotNull(throttle.RetryAfter("alice", null));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(throttle.RetryAfter("alice", null));
    }

    [Fact]
    public void Success_clears_the_user_name_but_not_the_address()
    {
        var throttle = Create(max: 2);
        throttle.RecordFailure("alice", "5.5.5.5");
        throttle.RecordSuccess("alice");
        throttle.RecordFailure("alice", "6.6.6.6");
        Assert.Null(throttle.RetryAfter("alice", "7.7.7.7"));

        throttle.RecordFailure("zed", "5.5.5.5");
        Assert.NotNull(throttle.RetryAfter("someone", "5.5.5.5"));
    }
}
