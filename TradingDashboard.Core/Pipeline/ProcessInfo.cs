using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Pipeline;

public enum ProcessState
{
    Stopped,
    Starting,
    Running,
    Stopping,
    Faulted,
}

/// <summary>Snapshot of one pipeline process, as shown on the System page and by GET /api/processes.</summary>
public sealed record ProcessInfo(
    string Name,
    string Description,
    ProcessState State,
    DateTimeOffset? StartedAt,
    double MessagesPerSecond,
    long MessagesTotal,
    string? LastError,
    DateTimeOffset? LastErrorAt);

/// <summary>A pipeline stage that can be started and stopped at run time without restarting the host.</summary>
public interface IManagedProcess
{
    string Name { get; }

    string Description { get; }

    /// <summary>Whether the host starts it on start-up.</summary>
    bool AutoStart { get; }

    ProcessInfo GetInfo();

    Task StartAsync(CancellationToken cancellationToken);

    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Raised after every state change.</summary>
    event Action<ProcessInfo>? StateChanged;
}

/// <summary>
/// Lists the processes and starts/stops them. Start and stop check the actor's role (Admin only) and audit every
/// attempt, allowed or not; a refused attempt throws <see cref="AccessDeniedException"/> and changes nothing.
/// </summary>
public interface IProcessController
{
    IReadOnlyList<ProcessInfo> List();

    ProcessInfo? Get(string name);

    Task<ProcessInfo> StartAsync(string name, Actor actor, CancellationToken cancellationToken = default);

    Task<ProcessInfo> StopAsync(string name, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Calls <paramref name="handler"/> on every state change of any process until disposed.</summary>
    IDisposable Subscribe(Action<ProcessInfo> handler);
}

/// <summary>Thrown for a process name that is not registered; the API maps it to 404.</summary>
public sealed class UnknownProcessException(string name) : Exception($"No process named '{name}'.")
{
    public string ProcessName { get; } = name;
}
