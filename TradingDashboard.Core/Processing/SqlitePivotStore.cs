using System.Globalization;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Processing;

/// <summary>Where confirmed pivots are kept. Saving the same pivot twice is harmless (a restart recomputes them).</summary>
public interface IPivotStore
{
    Task SaveAsync(IReadOnlyList<PivotPoint> pivots, CancellationToken cancellationToken = default);

    /// <summary>Pivots of one series with bar open time ≥ <paramref name="fromOpenTimeMs"/>, oldest bar first, at most <paramref name="limit"/> (the newest).</summary>
    Task<IReadOnlyList<PivotPoint>> LoadAsync(string symbol, Timeframe timeframe, long fromOpenTimeMs = long.MinValue, int? level = null, int limit = 10_000, CancellationToken cancellationToken = default);
}

/// <summary>Pivots in the SQLite database, table <c>pivot_points</c> (created on first use).</summary>
public sealed class SqlitePivotStore : IPivotStore
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS pivot_points (
            symbol TEXT NOT NULL,
            timeframe TEXT NOT NULL,
            level INTEGER NOT NULL,
            type TEXT NOT NULL,
            open_time_ms INTEGER NOT NULL,
            price REAL NOT NULL,
            confirmed_at_ms INTEGER NOT NULL,
            confidence REAL NOT NULL,
            PRIMARY KEY (symbol, timeframe, level, type, open_time_ms)
        );
        CREATE INDEX IF NOT EXISTS ix_pivot_points_confirmed ON pivot_points (symbol, timeframe, confirmed_at_ms);
        """;

    private readonly SqliteDatabase _database;

    public SqlitePivotStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _database.EnsureSchema(Schema);
    }

    public Task SaveAsync(IReadOnlyList<PivotPoint> pivots, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pivots);
        if (pivots.Count == 0)
        {
            return Task.CompletedTask;
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR IGNORE INTO pivot_points (symbol, timeframe, level, type, open_time_ms, price, confirmed_at_ms, confidence)
            VALUES ($symbol, $timeframe, $level, $type, $open, $price, $confirmed, $confidence)
            """;
        var symbol = command.Parameters.Add("$symbol", Microsoft.Data.Sqlite.SqliteType.Text);
        var timeframe = command.Parameters.Add("$timeframe", Microsoft.Data.Sqlite.SqliteType.Text);
        var level = command.Parameters.Add("$level", Microsoft.Data.Sqlite.SqliteType.Integer);
        var type = command.Parameters.Add("$type", Microsoft.Data.Sqlite.SqliteType.Text);
        var open = command.Parameters.Add("$open", Microsoft.Data.Sqlite.SqliteType.Integer);
        var price = command.Parameters.Add("$price", Microsoft.Data.Sqlite.SqliteType.Real);
        var confirmed = command.Parameters.Add("$confirmed", Microsoft.Data.Sqlite.SqliteType.Integer);
        var confidence = command.Parameters.Add("$confidence", Microsoft.Data.Sqlite.SqliteType.Real);
        foreach (var p in pivots)
        {
            cancellationToken.ThrowIfCancellationRequested();
            symbol.Value = p.Symbol;
            timeframe.Value = p.Timeframe.ToCode();
            level.Value = p.Level;
            type.Value = p.TypeCode;
            open.Value = p.OpenTimeMs;
            price.Value = p.Price;
            confirmed.Value = p.ConfirmedAtMs;
            confidence.Value = p.Confidence;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<PivotPoint>> LoadAsync(string symbol, Timeframe timeframe, long fromOpenTimeMs = long.MinValue, int? level = null, int limit = 10_000, CancellationToken cancellationToken = default)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT level, type, open_time_ms, price, confirmed_at_ms, confidence FROM (
                SELECT * FROM pivot_points
                WHERE symbol = $symbol AND timeframe = $timeframe AND open_time_ms >= $from AND ($level IS NULL OR level = $level)
                ORDER BY open_time_ms DESC, level DESC LIMIT $limit)
            ORDER BY open_time_ms, level, type
            """;
        command.Parameters.AddWithValue("$symbol", symbol);
        command.Parameters.AddWithValue("$timeframe", timeframe.ToCode());
        command.Parameters.AddWithValue("$from", fromOpenTimeMs);
        command.Parameters.AddWithValue("$level", level is null ? DBNull.Value : level.Value);
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        var result = new List<PivotPoint>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            result.Add(new PivotPoint(
                symbol,
                timeframe,
                reader.GetInt32(0),
                string.Equals(reader.GetString(1), "high", StringComparison.Ordinal) ? PivotType.High : PivotType.Low,
                reader.GetDouble(3),
                reader.GetInt64(2),
                reader.GetInt64(4),
                reader.GetDouble(5)));
        }

        return Task.FromResult<IReadOnlyList<PivotPoint>>(result);
    }

}
