using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Pipeline;

/// <summary>A stage that runs until stopped.</summary>
public sealed class IdleProcess(string name, TimeProvider timeProvider, bool autoStart = true)
    : ManagedProcess(timeProvider, NullLogger.Instance)
{
    public override string Name => name;

    public override string Description => $"Test process {name}";

    public override bool AutoStart => autoStart;

    public int Runs { get; private set; }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        Runs++;
        CountMessages(3);
        await Task.Delay(Timeout.InfiniteTimeSpan, stoppingToken);
    }
}

/// <summary>A stage whose loop throws.</summary>
public sealed class FaultingProcess(string name, TimeProvider timeProvider, string error)
    : ManagedProcess(timeProvider, NullLogger.Instance)
{
    public override string Name => name;

    public override string Description => "Throws on start";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        throw new InvalidOperationException(error);
    }
}

public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly List<AuditEntry> _entries = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<AuditEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public Task RecordAsync(Actor actor, string action, string target, string? before, string? after, bool allowed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        lock (_gate)
        {
            _entries.Add(new AuditEntry(_entries.Count + 1, DateTimeOffset.UnixEpoch, actor.Name, actor.Address, action, target, before, after, allowed));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<AuditEntry>>(Entries.Reverse().Take(limit).ToList());
}
