using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using TradingDashboard.Ui;

namespace TradingDashboard.Tests.Components.Ui;

public sealed class UiThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly SemaphoreSlim _flushed = new(0);
    private int _flushes;

    private UiThrottle Create(Func<Task>? flush = null) =>
        new(_time, Interval, flush ?? (() =>
        {
            Interlocked.Increment(ref _flushes);
            _flushed.Release();
            return Task.CompletedTask;
        }), NullLogger.Instance);

    [Fact]
    public async Task Many_changes_within_an_interval_give_one_flush_and_a_quiet_tick_gives_none()
    {
        using var throttle = Create();
        throttle.Start();

        for (var i = 0; i < 50; i++)
        {
            throttle.MarkDirty();
        }

        _time.Advance(Interval);
        Assert.True(await _flushed.WaitAsync(Patience));
        Assert.False(throttle.IsDirty);

        // A tick with nothing new, then one change: had the quiet tick flushed, the count would be 3.
        _time.Advance(Interval);
        throttle.MarkDirty();
        _time.Advance(Interval);
        Assert.True(await _flushed.WaitAsync(Patience));
        Assert.Equal(2, Volatile.Read(ref _flushes));
    }

    [Fact]
    public async Task Nothing_is_flushed_before_the_interval_has_passed()
    {
        using var throttle = Create();
        throttle.Start();
        throttle.MarkDirty();

        _time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        Assert.False(await _flushed.WaitAsync(TimeSpan.FromMilliseconds(50)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await _flushed.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_failing_flush_does_not_stop_later_ones()
    {
        var calls = 0;
        using var throttle = Create(() =>
        {
            var n = Interlocked.Increment(ref calls);
            _flushed.Release();
            return n == 1 ? Task.FromException(new InvalidOperationException("circuit gone")) : Task.CompletedTask;
        });
        throttle.Start();

        throttle.MarkDirty();
        _time.Advance(Interval);
        Assert.True(await _flushed.WaitAsync(Patience));
        throttle.MarkDirty();
        _time.Advance(Interval);
        Assert.True(await _flushed.WaitAsync(Patience));

        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task After_dispose_nothing_is_flushed()
    {
        var throttle = Create();
        throttle.Start();
        throttle.Dispose();

        throttle.MarkDirty();
        _time.Advance(Interval);

        Assert.False(await _flushed.WaitAsync(TimeSpan.FromMilliseconds(50)));
        Assert.Throws<ObjectDisposedException>(throttle.Start);
    }
}
