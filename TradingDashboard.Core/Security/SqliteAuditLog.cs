using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Security;

/// <summary>The audit log in the SQLite "audit_log" table; times come from the <see cref="TimeProvider"/>.</summary>
public sealed class SqliteAuditLog : IAuditLog
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _timeProvider;

    public SqliteAuditLog(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _timeProvider = timeProvider;
        SecuritySchema.Ensure(database);
    }

    public async Task RecordAsync(Actor actor, string action, string target, string? before, string? after, bool allowed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO audit_log (time_ms, actor, address, action, target, before, after, allowed)
            VALUES ($time, $actor, $address, $action, $target, $before, $after, $allowed)
            """;
        command.Parameters.AddWithValue("$time", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$actor", actor.Name);
        command.Parameters.AddWithValue("$address", (object?)actor.Address ?? DBNull.Value);
        command.Parameters.AddWithValue("$action", action);
        command.Parameters.AddWithValue("$target", target);
        command.Parameters.AddWithValue("$before", (object?)before ?? DBNull.Value);
        command.Parameters.AddWithValue("$after", (object?)after ?? DBNull.Value);
        command.Parameters.AddWithValue("$allowed", allowed ? 1 : 0);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> RecentAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, time_ms, actor, address, action, target, before, after, allowed FROM audit_log
            ORDER BY id DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(
                reader.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetInt64(8) != 0));
        }

        return entries;
    }
}
