using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Pipeline;

/// <summary>
/// Lists, starts and stops the registered <see cref="IManagedProcess"/>es. Start and stop are Admin-only: every attempt
/// is audited ("process.start" / "process.stop", target = process name, before/after = state), a refused one with
/// allowed = false, and throws <see cref="AccessDeniedException"/> without touching the process. A process that
/// faults raises an Error alert (category "process").
/// </summary>
public sealed class ProcessController : IProcessController, IDisposable
{
    public const string AlertCategory = "process";
    public const string StartAction = "process.start";
    public const string StopAction = "process.stop";

    private readonly IReadOnlyList<IManagedProcess> _processes;
    private readonly IAuditLog _auditLog;
    private readonly IAlertService _alerts;
    private readonly ILogger<ProcessController> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ProcessState> _lastStates = new(StringComparer.Ordinal);
    private Action<ProcessInfo>[] _subscribers = [];

    public ProcessController(IEnumerable<IManagedProcess> processes, IAuditLog auditLog, IAlertService alerts, ILogger<ProcessController> logger)
    {
        ArgumentNullException.ThrowIfNull(processes);
        _processes = processes.DistinctBy(p => p.Name, StringComparer.Ordinal).ToList();
        _auditLog = auditLog;
        _alerts = alerts;
        _logger = logger;
        foreach (var process in _processes)
        {
            _lastStates[process.Name] = process.GetInfo().State;
            process.StateChanged += OnStateChanged;
        }
    }

    public IReadOnlyList<ProcessInfo> List() => _processes.Select(p => p.GetInfo()).ToList();

    public ProcessInfo? Get(string name) => Find(name)?.GetInfo();

    public Task<ProcessInfo> StartAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, actor, StartAction, (p, ct) => p.StartAsync(ct), cancellationToken);

    public Task<ProcessInfo> StopAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(name, actor, StopAction, (p, ct) => p.StopAsync(ct), cancellationToken);

    public IDisposable Subscribe(Action<ProcessInfo> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, handler];
        }

        return new Subscription(this, handler);
    }

    public void Dispose()
    {
        foreach (var process in _processes)
        {
            process.StateChanged -= OnStateChanged;
        }
    }

    private IManagedProcess? Find(string name) => _processes.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.Ordinal));

    private async Task<ProcessInfo> ChangeAsync(string name, Actor actor, string action, Func<IManagedProcess, CancellationToken, Task> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(actor);
        var process = Find(name);
        if (!actor.IsAdmin)
        {
            var state = process?.GetInfo().State.ToString();
            await _auditLog.RecordAsync(actor, action, name, state, state, allowed: false, cancellationToken);
            _logger.LogWarning("Refused {Action} of {Process} for {Actor} (role {Role})", action, name, actor.Name, actor.Role);
            throw new AccessDeniedException($"Only an admin may {(action == StartAction ? "start" : "stop")} processes.");
        }

        if (process is null)
        {
            throw new UnknownProcessException(name);
        }

        var before = process.GetInfo().State;
        try
        {
            await change(process, cancellationToken);
        }
        finally
        {
            var after = process.GetInfo().State;
            // The audit entry is written even when the caller gave up waiting: the change was made.
            await _auditLog.RecordAsync(actor, action, name, before.ToString(), after.ToString(), allowed: true, CancellationToken.None);
            _logger.LogInformation("{Actor} ran {Action} on {Process}: {Before} -> {After}", actor.Name, action, name, before, after);
        }

        return process.GetInfo();
    }

    private void OnStateChanged(ProcessInfo info)
    {
        Action<ProcessInfo>[] subscribers;
        bool faulted;
        lock (_gate)
        {
            faulted = info.State == ProcessState.Faulted
                && (!_lastStates.TryGetValue(info.Name, out var previous) || previous != ProcessState.Faulted);
            _lastStates[info.Name] = info.State;
            subscribers = _subscribers;
        }

        if (faulted)
        {
            _alerts.Raise(AlertSeverity.Error, AlertCategory, $"Process {info.Name} faulted: {info.LastError}");
        }

        foreach (var handler in subscribers)
        {
            try
            {
                handler(info);
            }
#pragma warning disable CA1031 // A faulty subscriber must not break the others or the process.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogWarning(ex, "Process state subscriber failed");
            }
        }
    }

    private void Unsubscribe(Action<ProcessInfo> handler)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, handler);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private sealed class Subscription(ProcessController owner, Action<ProcessInfo> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }
}
