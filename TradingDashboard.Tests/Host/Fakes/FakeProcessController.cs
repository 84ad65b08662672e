using System.Collections.Concurrent;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Host.Fakes;

/// <summary>
/// An <see cref="IProcessController"/> that follows the interface's contract (admins only, every attempt audited,
/// a refusal changes nothing) over a fixed set of processes; records the actors that got through to it.
/// </summary>
public sealed class FakeProcessController(IAuditLog audit) : IProcessController
{
    private readonly ConcurrentDictionary<string, ProcessInfo> _processes = new(StringComparer.Ordinal)
    {
        ["MarketDataFeed"] = new("MarketDataFeed", "Market data fallback chain", ProcessState.Stopped, null, 0, 0, null, null),
        ["CandleWriter"] = new("CandleWriter", "Writes closed candles to SQLite", ProcessState.Running, null, 12.5, 1234, null, null),
    };

    private readonly ConcurrentQueue<(string Verb, string Name, Actor Actor)> _calls = new();

    public IReadOnlyCollection<(string Verb, string Name, Actor Actor)> Calls => _calls.ToArray();

    public void Set(ProcessInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        _processes[info.Name] = info;
    }

    public IReadOnlyList<ProcessInfo> List() => _processes.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    public ProcessInfo? Get(string name) => _processes.GetValueOrDefault(name);

    public Task<ProcessInfo> StartAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync("start", name, actor, ProcessState.Running, cancellationToken);

    public Task<ProcessInfo> StopAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        ChangeAsync("stop", name, actor, ProcessState.Stopped, cancellationToken);

    public IDisposable Subscribe(Action<ProcessInfo> handler) => new NoSubscription();

    private async Task<ProcessInfo> ChangeAsync(string verb, string name, Actor actor, ProcessState target, CancellationToken cancellationToken)
    {
        _calls.Enqueue((verb, name, actor));
        if (!_processes.TryGetValue(name, out var before))
        {
            throw new UnknownProcessException(name);
        }

        if (!actor.IsAdmin)
        {
            await audit.RecordAsync(actor, "process." + verb, name, before.State.ToString(), null, allowed: false, cancellationToken);
            throw new AccessDeniedException($"Only admins may {verb} processes.");
        }

        var after = before with { State = target };
        _processes[name] = after;
        await audit.RecordAsync(actor, "process." + verb, name, before.State.ToString(), after.State.ToString(), allowed: true, cancellationToken);
        return after;
    }

    private sealed class NoSubscription : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
