using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Base for a stage service: owns the run loop's lifetime (start, stop, fault) and its message rate. The stage's
/// logic lives in plain classes; <see cref="RunAsync"/> only moves messages between them.
/// </summary>
public abstract class ManagedProcess : IManagedProcess, IDisposable
{
    private readonly Lock _gate = new();
    private readonly RateMeter _rate;
    private CancellationTokenSource? _cts;
    private Task? _running;
    private ProcessState _state = ProcessState.Stopped;
    private DateTimeOffset? _startedAt;
    private string? _lastError;
    private DateTimeOffset? _lastErrorAt;

    protected ManagedProcess(TimeProvider timeProvider, ILogger logger)
    {
        TimeProvider = timeProvider;
        Logger = logger;
        _rate = new RateMeter(timeProvider);
    }

    public abstract string Name { get; }

    public abstract string Description { get; }

    public virtual bool AutoStart => true;

    protected TimeProvider TimeProvider { get; }

    protected ILogger Logger { get; }

    public event Action<ProcessInfo>? StateChanged;

    public ProcessInfo GetInfo()
    {
        lock (_gate)
        {
            return new ProcessInfo(Name, Description, _state, _startedAt, _rate.PerSecond(), _rate.Total, _lastError, _lastErrorAt);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        CancellationToken token;
        lock (_gate)
        {
            if (_state is ProcessState.Running or ProcessState.Starting or ProcessState.Stopping)
            {
                return Task.CompletedTask;
            }

            _state = ProcessState.Starting;
            // A run that faulted or ended by itself leaves its token source behind.
            _cts?.Dispose();
            _cts = new CancellationTokenSource();
            token = _cts.Token;
        }

        Publish();
        lock (_gate)
        {
            if (_state != ProcessState.Starting)
            {
                // Stopped while starting.
                return Task.CompletedTask;
            }

            _state = ProcessState.Running;
            _startedAt = TimeProvider.GetUtcNow();
            _running = Task.Run(() => RunGuardedAsync(token), CancellationToken.None);
        }

        Publish();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Task? running;
        CancellationTokenSource? cts;
        lock (_gate)
        {
            if (_state is ProcessState.Stopped or ProcessState.Stopping)
            {
                return;
            }

            running = _running;
            cts = _cts;
            if (_state != ProcessState.Faulted)
            {
                _state = ProcessState.Stopping;
            }
        }

        Publish();
        if (cts is not null)
        {
            await cts.CancelAsync();
        }

        if (running is not null)
        {
            await running.WaitAsync(cancellationToken);
        }

        lock (_gate)
        {
            _state = ProcessState.Stopped;
            _startedAt = null;
            _cts?.Dispose();
            _cts = null;
            _running = null;
        }

        Publish();
    }

    /// <summary>The stage's loop. Runs until <paramref name="stoppingToken"/> is cancelled; an exception faults the process.</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    /// <summary>Counts processed messages for the rate shown on the System page.</summary>
    protected void CountMessages(int count = 1) => _rate.Add(count);

    /// <summary>Records a non-fatal error (shown as the last error) without stopping the process.</summary>
    protected void ReportError(string message)
    {
        lock (_gate)
        {
            _lastError = message;
            _lastErrorAt = TimeProvider.GetUtcNow();
        }

        Publish();
    }

    private async Task RunGuardedAsync(CancellationToken token)
    {
        try
        {
            await RunAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Normal stop.
        }
#pragma warning disable CA1031 // A stage fault is recorded and shown, never allowed to take the host down.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Logger.LogError(ex, "Process {Process} faulted", Name);
            lock (_gate)
            {
                _state = ProcessState.Faulted;
                _lastError = ex.Message;
                _lastErrorAt = TimeProvider.GetUtcNow();
            }

            Publish();
            return;
        }

        lock (_gate)
        {
            // Running: the loop ended by itself (e.g. end of a replay). Stopping: a stop whose caller stopped waiting
            // must still end in Stopped.
            if (_state is ProcessState.Running or ProcessState.Stopping)
            {
                _state = ProcessState.Stopped;
                _startedAt = null;
            }
        }

        Publish();
    }

    private void Publish() => StateChanged?.Invoke(GetInfo());

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _cts?.Cancel();
            _cts?.Dispose();
            _cts = null;
        }
    }
}
