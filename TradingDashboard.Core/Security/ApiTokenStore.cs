using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Security;

/// <summary>
/// Personal API tokens in the "api_tokens" table, stored as SHA-256 hashes. A token authenticates as its user
/// with the user's current role; revoked tokens and tokens of removed users no longer authenticate.
/// </summary>
public sealed class ApiTokenStore
{
    /// <summary>Last-used times are written at most this often per token, so API traffic does not turn into writes.</summary>
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly SqliteDatabase _database;
    private readonly TimeProvider _timeProvider;

    public ApiTokenStore(SqliteDatabase database, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _timeProvider = timeProvider;
        SecuritySchema.Ensure(database);
    }

    /// <summary>Creates a random token for <paramref name="userName"/>; the returned secret is not stored anywhere.</summary>
    public async Task<IssuedApiToken> CreateAsync(string userName, string tokenName, CancellationToken cancellationToken = default)
    {
        var token = SecurityHashing.NewApiToken();
        var info = await StoreAsync(userName, tokenName, token, cancellationToken);
        return new IssuedApiToken(info, token);
    }

    /// <summary>Stores the hash of a token chosen elsewhere (Trading:Auth:AdminApiToken on the first start).</summary>
    public async Task<ApiTokenInfo> StoreAsync(string userName, string tokenName, string token, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var now = _timeProvider.GetUtcNow();
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO api_tokens (user_name, name, token_hash, created_at_ms) VALUES ($user, $name, $hash, $created);
            SELECT last_insert_rowid();
            """;
        command.Parameters.AddWithValue("$user", userName);
        command.Parameters.AddWithValue("$name", tokenName);
        command.Parameters.AddWithValue("$hash", SecurityHashing.Sha256Hex(token));
        command.Parameters.AddWithValue("$created", now.ToUnixTimeMilliseconds());
        var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new ApiTokenInfo(id, userName, tokenName, DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), null, null);
    }

    public async Task<IReadOnlyList<ApiTokenInfo>> ListAsync(string userName, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, user_name, name, created_at_ms, revoked_at_ms, last_used_at_ms FROM api_tokens
            WHERE user_name = $user ORDER BY id
            """;
        command.Parameters.AddWithValue("$user", userName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tokens = new List<ApiTokenInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tokens.Add(new ApiTokenInfo(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                ReadTime(reader, 4),
                ReadTime(reader, 5)));
        }

        return tokens;
    }

    /// <summary>Revokes one of <paramref name="userName"/>'s tokens; false when there is no such active token of that user.</summary>
    public async Task<bool> RevokeAsync(string userName, long tokenId, CancellationToken cancellationToken = default)
    {
        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_tokens SET revoked_at_ms = $now WHERE id = $id AND user_name = $user AND revoked_at_ms IS NULL";
        command.Parameters.AddWithValue("$now", _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$id", tokenId);
        command.Parameters.AddWithValue("$user", userName);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The owner of an active token, or null for an unknown or revoked token (or one whose user was removed).</summary>
    public async Task<ApiTokenOwner?> AuthenticateAsync(string token, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        await using var connection = _database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.id, u.name, u.role, t.last_used_at_ms FROM api_tokens t JOIN users u ON u.name = t.user_name
            WHERE t.token_hash = $hash AND t.revoked_at_ms IS NULL
            """;
        command.Parameters.AddWithValue("$hash", SecurityHashing.Sha256Hex(token));
        ApiTokenOwner owner;
        long? lastUsed;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
            {
                return null;
            }

            owner = new ApiTokenOwner(reader.GetInt64(0), reader.GetString(1), SecuritySchema.RoleFromText(reader.GetString(2)));
            lastUsed = reader.IsDBNull(3) ? null : reader.GetInt64(3);
        }

        var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        if (lastUsed is null || now - lastUsed.Value >= (long)LastUsedResolution.TotalMilliseconds)
        {
            await using var touch = connection.CreateCommand();
            touch.CommandText = "UPDATE api_tokens SET last_used_at_ms = $now WHERE id = $id";
            touch.Parameters.AddWithValue("$now", now);
            touch.Parameters.AddWithValue("$id", owner.TokenId);
            await touch.ExecuteNonQueryAsync(cancellationToken);
        }

        return owner;
    }

    private static DateTimeOffset? ReadTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
}
