using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Configuration;

namespace TradingDashboard.Core.Storage;

/// <summary>
/// The embedded SQLite database (WAL mode). Each store owns its tables and creates them through
/// <see cref="EnsureSchema"/>; connections are opened per operation (pooled by Microsoft.Data.Sqlite).
/// </summary>
public sealed class SqliteDatabase
{
    public SqliteDatabase(string connectionString)
    {
        ConnectionString = connectionString;
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";
        command.ExecuteNonQuery();
    }

    public string ConnectionString { get; }

    /// <summary>Opens the database file under Trading:Storage:DataDirectory (relative to <paramref name="contentRoot"/>), creating the folder.</summary>
    public static SqliteDatabase FromOptions(IOptions<TradingOptions> options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var storage = options.Value.Storage;
        var directory = Path.IsPathRooted(storage.DataDirectory) ? storage.DataDirectory : Path.Combine(contentRoot, storage.DataDirectory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, storage.DatabaseFileName);
        return new SqliteDatabase(new SqliteConnectionStringBuilder { DataSource = path, Cache = SqliteCacheMode.Default, Pooling = true }.ToString());
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout=5000;";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>Runs idempotent DDL (CREATE TABLE IF NOT EXISTS ...).</summary>
    public void EnsureSchema(string ddl)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = ddl;
        command.ExecuteNonQuery();
    }

    /// <summary>True when a trivial query succeeds (used by /health).</summary>
    public bool IsReachable()
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
