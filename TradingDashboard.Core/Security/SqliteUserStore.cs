using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Security;

/// <summary>
/// Users in the SQLite "users" table. Names are unique case-insensitively. Only stores data: role checks and
/// auditing are in <see cref="UserService"/>.
/// </summary>
public sealed class SqliteUserStore
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _timeProvider;

    public SqliteUserStore(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _timeProvider = timeProvider;
        SecuritySchema.Ensure(database);
    }

    public async Task<int> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM users";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<StoredUser?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, role, password_hash, created_at_ms FROM users WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadUser(reader) : null;
    }

    public async Task<IReadOnlyList<UserAccount>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, role, password_hash, created_at_ms FROM users ORDER BY name COLLATE NOCASE";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var users = new List<UserAccount>();
        while (await reader.ReadAsync(cancellationToken))
        {
            users.Add(ReadUser(reader).ToAccount());
        }

        return users;
    }

    /// <summary>Adds a user; false when the name is taken (case-insensitively).</summary>
    public async Task<bool> TryCreateAsync(string name, UserRole role, string passwordHash, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "INSERT OR IGNORE INTO users (name, role, password_hash, created_at_ms) VALUES ($name, $role, $hash, $created)";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$role", SecuritySchema.RoleToText(role));
        command.Parameters.AddWithValue("$hash", passwordHash);
        command.Parameters.AddWithValue("$created", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Removes a user and its API tokens, unless it is the last admin. The check and the delete are one statement,
    /// so two admins removing each other at the same time cannot leave the system without an admin.
    /// </summary>
    public async Task<UserRemoval> RemoveAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = """
            DELETE FROM users WHERE name = $name
              AND (role <> 'Admin' OR (SELECT COUNT(*) FROM users WHERE role = 'Admin') > 1)
            """;
        delete.Parameters.AddWithValue("$name", name);
        if (await delete.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            await using var tokens = connection.CreateCommand();
            tokens.Transaction = transaction;
            tokens.CommandText = "DELETE FROM api_tokens WHERE user_name = $name";
            tokens.Parameters.AddWithValue("$name", name);
            await tokens.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return UserRemoval.Removed;
        }

        await using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT COUNT(*) FROM users WHERE name = $name";
        exists.Parameters.AddWithValue("$name", name);
        var found = Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
        await transaction.CommitAsync(cancellationToken);
        return found ? UserRemoval.LastAdmin : UserRemoval.NotFound;
    }

    /// <summary>Replaces the password hash; false when the user does not exist.</summary>
    public async Task<bool> SetPasswordHashAsync(string name, string passwordHash, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE users SET password_hash = $hash WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$hash", passwordHash);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private static StoredUser ReadUser(SqliteDataReader reader) => new(
        reader.GetString(0),
        SecuritySchema.RoleFromText(reader.GetString(1)),
        reader.GetString(2),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));
}

public enum UserRemoval
{
    Removed,
    NotFound,
    LastAdmin,
}
