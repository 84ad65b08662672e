using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Security;

/// <summary>Tables of users, API tokens and the audit log. Idempotent; each store runs it before first use.</summary>
internal static class SecuritySchema
{
    private const string Ddl = """
        CREATE TABLE IF NOT EXISTS users (
            name          TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
            role          TEXT NOT NULL,
            password_hash TEXT NOT NULL,
            created_at_ms INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS api_tokens (
            id              INTEGER PRIMARY KEY AUTOINCREMENT,
            user_name       TEXT NOT NULL COLLATE NOCASE,
            name            TEXT NOT NULL,
            token_hash      TEXT NOT NULL UNIQUE,
            created_at_ms   INTEGER NOT NULL,
            revoked_at_ms   INTEGER NULL,
            last_used_at_ms INTEGER NULL
        );
        CREATE INDEX IF NOT EXISTS ix_api_tokens_user ON api_tokens(user_name);
        CREATE TABLE IF NOT EXISTS audit_log (
            id        INTEGER PRIMARY KEY AUTOINCREMENT,
            time_ms   INTEGER NOT NULL,
            actor     TEXT NOT NULL,
            address   TEXT NULL,
            action    TEXT NOT NULL,
            target    TEXT NOT NULL,
            before    TEXT NULL,
            after     TEXT NULL,
            allowed   INTEGER NOT NULL
        );
        """;

    public static void Ensure(SqliteDatabase database) => database.EnsureSchema(Ddl);

    public static string RoleToText(UserRole role) => role == UserRole.Admin ? "Admin" : "Viewer";

    public static UserRole RoleFromText(string text) => text == "Admin" ? UserRole.Admin : UserRole.Viewer;
}
