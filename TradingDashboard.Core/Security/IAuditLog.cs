namespace TradingDashboard.Core.Security;

/// <summary>One audited action: who did what, when, from where, with before/after values and whether it was allowed.</summary>
public sealed record AuditEntry(
    long Id,
    DateTimeOffset Time,
    string Actor,
    string? Address,
    string Action,
    string Target,
    string? Before,
    string? After,
    bool Allowed);

public interface IAuditLog
{
    /// <summary>Persists one entry; its id and time are assigned by the log.</summary>
    Task RecordAsync(Actor actor, string action, string target, string? before, string? after, bool allowed, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<AuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken = default);
}
