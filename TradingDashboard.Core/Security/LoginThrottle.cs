using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;

namespace TradingDashboard.Core.Security;

/// <summary>
/// Counts failed logins per user name and per remote address. When either reaches Trading:Auth:MaxFailedLogins within
/// Trading:Auth:LockoutMinutes, further attempts are refused (even with the right password) until the oldest
/// counted failure leaves the window. In memory: a restart clears it, which is acceptable for a single-host dashboard.
/// </summary>
public sealed class LoginThrottle
{
    /// <summary>Above this many tracked keys, expired ones are swept, so random user names cannot grow memory without bound.</summary>
    private const int SweepThreshold = 10_000;

    private readonly TimeProvider _timeProvider;
    private readonly int _maxFailures;
    private readonly TimeSpan _window;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);

    public LoginThrottle(IOptions<TradingOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _timeProvider = timeProvider;
        _maxFailures = Math.Max(1, options.Value.Auth.MaxFailedLogins);
        _window = TimeSpan.FromMinutes(Math.Max(1, options.Value.Auth.LockoutMinutes));
    }

    /// <summary>How long until another attempt is allowed, or null when allowed now.</summary>
    public TimeSpan? RetryAfter(string userName, string? address)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            TimeSpan? wait = null;
            foreach (var key in Keys(userName, address))
            {
                if (!_failures.TryGetValue(key, out var times))
                {
                    continue;
                }

                Expire(times, now);
                if (times.Count >= _maxFailures)
                {
                    // Allowed again once the oldest kept failure leaves the window.
                    var unlockAt = times.Peek() + _window;
                    var keyWait = unlockAt - now;
                    wait = wait is null || keyWait > wait ? keyWait : wait;
                }
            }

            return wait;
        }
    }

    public void RecordFailure(string userName, string? address)
    {
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (_failures.Count > SweepThreshold)
            {
                Sweep(now);
            }

            foreach (var key in Keys(userName, address))
            {
                if (!_failures.TryGetValue(key, out var times))
                {
                    times = new Queue<DateTimeOffset>();
                    _failures[key] = times;
                }

                Expire(times, now);
                times.Enqueue(now);

                // Only the newest MaxFailedLogins failures decide when the lockout ends.
                while (times.Count > _maxFailures)
                {
                    times.Dequeue();
                }
            }
        }
    }

    /// <summary>A successful login clears the user name's failures (the address keeps its count).</summary>
    public void RecordSuccess(string userName)
    {
        lock (_gate)
        {
            _failures.Remove(UserKey(userName));
        }
    }

    private static IEnumerable<string> Keys(string userName, string? address)
    {
        yield return UserKey(userName);
        if (!string.IsNullOrEmpty(address))
        {
            yield return "addr:" + address;
        }
    }

    private static string UserKey(string userName) => "user:" + userName.Trim().ToUpperInvariant();

    private void Expire(Queue<DateTimeOffset> times, DateTimeOffset now)
    {
        while (times.Count > 0 && times.Peek() + _window <= now)
        {
            times.Dequeue();
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, times) in _failures.ToList())
        {
            Expire(times, now);
            if (times.Count == 0)
            {
                _failures.Remove(key);
            }
        }
    }
}
