using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Tests.Storage;

/// <summary>A SQLite database in a fresh temp file, deleted (with its WAL files) on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"td-test-{Guid.NewGuid():N}.db");
        Database = Open();
    }

    public string Path { get; }

    public SqliteDatabase Database { get; }

    /// <summary>A second, independent handle on the same file (a "restart").</summary>
    public SqliteDatabase Open() =>
        new(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true }.ToString());

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { string.Empty, "-wal", "-shm" })
        {
            try
            {
                File.Delete(Path + suffix);
            }
            catch (IOException)
            {
                // Best effort: a temp file left behind is harmless.
            }
        }
    }
}
