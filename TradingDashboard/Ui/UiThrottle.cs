using Microsoft.Extensions.Logging;

namespace TradingDashboard.Ui;

/// <summary>
/// Coalesces change notifications into at most one UI update per interval. Producers (subscription handlers on the
/// thread pool) only call <see cref="MarkDirty"/>; a <see cref="PeriodicTimer"/> on the given <see cref="TimeProvider"/>
/// calls the flush delegate (which the component routes through InvokeAsync) when something changed since the last tick.
/// The timer is created in the constructor so that a tick is never missed between construction and <see cref="Start"/>.
/// </summary>
public sealed class UiThrottle : IDisposable
{
    private readonly PeriodicTimer _timer;
    private readonly Func<Task> _flush;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private int _dirty;
    private Task? _loop;
    private bool _disposed;

    public UiThrottle(TimeProvider timeProvider, TimeSpan interval, Func<Task> flush, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(flush);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        Interval = interval;
        _timer = new PeriodicTimer(interval, timeProvider);
        _flush = flush;
        _logger = logger;
    }

    public TimeSpan Interval { get; }

    /// <summary>Whether a change is waiting for the next tick.</summary>
    public bool IsDirty => Volatile.Read(ref _dirty) == 1;

    /// <summary>Notes that something changed; safe from any thread, never blocks.</summary>
    public void MarkDirty() => Volatile.Write(ref _dirty, 1);

    /// <summary>Starts the tick loop (once). Call only when the component is interactive.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _loop ??= RunAsync(_stopping.Token);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                if (Interlocked.Exchange(ref _dirty, 0) == 0)
                {
                    continue;
                }

                try
                {
                    await _flush().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failed UI refresh (e.g. a dropped circuit) must not end the loop or surface as an unobserved task.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    UiLog.RefreshFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _timer.Dispose();
        _stopping.Dispose();
    }
}
