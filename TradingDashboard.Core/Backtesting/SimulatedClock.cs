namespace TradingDashboard.Core.Backtesting;

/// <summary>
/// The backtester's clock: time moves only when the backtester sets it (to each candle's close), so every class
/// that reads <see cref="TimeProvider"/> sees simulated time. Timers (retry back-off, delays) fire when the clock
/// passes their due time, on the thread that moves the clock. Never goes backwards.
/// </summary>
public sealed class SimulatedClock : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<SimulatedTimer> _timers = [];
    private long _nowMs;

    public SimulatedClock(long startMs = 0) => _nowMs = startMs;

    public long NowMs => Volatile.Read(ref _nowMs);

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Volatile.Read(ref _nowMs));

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => Volatile.Read(ref _nowMs);

    /// <summary>Moves the clock forward (a time in the past is ignored) and fires the timers that came due.</summary>
    public void Set(long timeMs)
    {
        if (timeMs <= Volatile.Read(ref _nowMs))
        {
            return;
        }

        Volatile.Write(ref _nowMs, timeMs);
        if (_timers.Count == 0)
        {
            return;
        }

        // A loop, not a lambda: a closure over timeMs would be allocated on every call, timers or not.
        var due = new List<SimulatedTimer>();
        lock (_gate)
        {
            foreach (var timer in _timers)
            {
                if (timer.DueMs <= timeMs)
                {
                    due.Add(timer);
                }
            }
        }

        foreach (var timer in due)
        {
            timer.Fire(timeMs);
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SimulatedTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private sealed class SimulatedTimer(SimulatedClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _periodMs;

        public long DueMs { get; private set; } = long.MaxValue;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    return true;
                }

                DueMs = clock.NowMs + (long)dueTime.TotalMilliseconds;
                _periodMs = period == Timeout.InfiniteTimeSpan ? 0 : (long)period.TotalMilliseconds;
                clock._timers.Add(this);
            }

            if (DueMs <= clock.NowMs)
            {
                Fire(clock.NowMs);
            }

            return true;
        }

        public void Fire(long nowMs)
        {
            lock (clock._gate)
            {
                if (!clock._timers.Contains(this) || DueMs > nowMs)
                {
                    return;
                }

                clock._timers.Remove(this);
                if (_periodMs > 0)
                {
                    DueMs += _periodMs * Math.Max(1, (nowMs - DueMs) / _periodMs + 1);
                    clock._timers.Add(this);
                }
            }

            callback(state);
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                clock._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
