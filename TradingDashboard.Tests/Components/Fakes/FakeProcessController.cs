using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>
/// Processes held in memory. Like the real controller, start and stop require an admin actor and throw
/// <see cref="AccessDeniedException"/> otherwise; <see cref="DenyEveryone"/> makes it refuse admins too (to test the UI's handling).
/// </summary>
public sealed class FakeProcessController : IProcessController
{
    private readonly Lock _gate = new();
    private readonly List<ProcessInfo> _processes = [];
    private readonly List<Action<ProcessInfo>> _subscribers = [];

    public FakeProcessController(params ProcessInfo[] processes) => _processes.AddRange(processes);

    public List<(string Action, string Name, Actor Actor)> Calls { get; } = [];

    public bool DenyEveryone { get; set; }

    public DateTimeOffset Now { get; set; } = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    public IReadOnlyList<ProcessInfo> List()
    {
        lock (_gate)
        {
            return [.. _processes];
        }
    }

    public ProcessInfo? Get(string name)
    {
        lock (_gate)
        {
            return _processes.FirstOrDefault(p => p.Name == name);
        }
    }

    public Task<ProcessInfo> StartAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        Task.FromResult(Change("start", name, actor, ProcessState.Running));

    public Task<ProcessInfo> StopAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        Task.FromResult(Change("stop", name, actor, ProcessState.Stopped));

    public IDisposable Subscribe(Action<ProcessInfo> handler)
    {
        lock (_gate)
        {
            _subscribers.Add(handler);
        }

        return new Unsubscriber(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(handler);
            }
        });
    }

    /// <summary>Replaces a process's snapshot and notifies subscribers, as a state change in the pipeline would.</summary>
    public void Publish(ProcessInfo info)
    {
        Action<ProcessInfo>[] subscribers;
        lock (_gate)
        {
            var index = _processes.FindIndex(p => p.Name == info.Name);
            if (index < 0)
            {
                _processes.Add(info);
            }
            else
            {
                _processes[index] = info;
            }

            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(info);
        }
    }

    private ProcessInfo Change(string action, string name, Actor actor, ProcessState state)
    {
        ProcessInfo updated;
        lock (_gate)
        {
            Calls.Add((action, name, actor));
            if (DenyEveryone || !actor.IsAdmin)
            {
                throw new AccessDeniedException($"{actor.Name} may not {action} processes.");
            }

            var index = _processes.FindIndex(p => p.Name == name);
            if (index < 0)
            {
                throw new UnknownProcessException(name);
            }

            updated = _processes[index] with { State = state, StartedAt = state == ProcessState.Running ? Now : null };
            _processes[index] = updated;
        }

        Publish(updated);
        return updated;
    }
}
