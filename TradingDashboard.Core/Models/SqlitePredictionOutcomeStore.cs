using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Models;

/// <summary>
/// A prediction for one timeframe waiting for its label: one per model, symbol, timeframe and horizon start (a newer
/// prediction with the same horizon replaces it: the last prediction before the horizon starts is the one scored).
/// </summary>
public sealed record PendingPrediction(
    string ModelName,
    string Symbol,
    Timeframe Timeframe,
    long AsOfMs,
    PivotClass Predicted,
    float Probability,
    float Confidence,
    PivotLabelSettings Labels)
{
    /// <summary>Open time of the first bar of the horizon.</summary>
    public long HorizonStartMs => PivotLabeler.Horizon(AsOfMs, Timeframe, Labels).StartMs;

    /// <summary>Open time of the last bar the label needs (end of the horizon plus the confirmation margin).</summary>
    public long RequiredLastOpenMs
    {
        get
        {
            var (_, end) = PivotLabeler.Horizon(AsOfMs, Timeframe, Labels);
            return end + ((Labels.ConfirmationMarginBars - 1L) * Timeframe.DurationMs());
        }
    }

    public PredictionOutcome Resolve(PivotClass actual, long resolvedAtMs) =>
        new(ModelName, Symbol, Timeframe, AsOfMs, Predicted, Probability, Confidence, actual, resolvedAtMs);
}

/// <summary>
/// Predictions and their outcomes in the <c>prediction_outcomes</c> table: pending rows (so a restart loses nothing),
/// resolved rows (the record of frames with realized outcomes) and rows that could not be labelled (expired, overflow).
/// </summary>
public sealed class SqlitePredictionOutcomeStore
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS prediction_outcomes (
            model_name TEXT NOT NULL,
            symbol TEXT NOT NULL,
            timeframe TEXT NOT NULL,
            horizon_start_ms INTEGER NOT NULL,
            as_of_ms INTEGER NOT NULL,
            predicted INTEGER NOT NULL,
            probability REAL NOT NULL,
            confidence REAL NOT NULL,
            pivot_level INTEGER NOT NULL,
            horizon_bars INTEGER NOT NULL,
            margin_bars INTEGER NOT NULL,
            status TEXT NOT NULL,
            actual INTEGER NULL,
            resolved_at_ms INTEGER NULL,
            PRIMARY KEY (model_name, symbol, timeframe, horizon_start_ms)
        );
        CREATE INDEX IF NOT EXISTS ix_prediction_outcomes_status ON prediction_outcomes (status, resolved_at_ms);
        """;

    public const string StatusPending = "pending";
    public const string StatusResolved = "resolved";

    /// <summary>Data moved past the label's bars without a complete series (a gap that never healed).</summary>
    public const string StatusExpired = "expired";

    /// <summary>Dropped because more than MaxPending predictions were waiting.</summary>
    public const string StatusOverflow = "overflow";

    private readonly SqliteDatabase _database;

    public SqlitePredictionOutcomeStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _database.EnsureSchema(Schema);
    }

    /// <summary>
    /// Inserts a pending prediction, or replaces the pending one of the same horizon when this one is at least as new.
    /// False when the row is already resolved (or dropped), or a newer prediction holds it: nothing changed.
    /// </summary>
    public bool UpsertPending(PendingPrediction pending)
    {
        ArgumentNullException.ThrowIfNull(pending);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO prediction_outcomes (model_name, symbol, timeframe, horizon_start_ms, as_of_ms, predicted, probability, confidence, pivot_level, horizon_bars, margin_bars, status)
            VALUES ($model, $symbol, $timeframe, $start, $asof, $predicted, $probability, $confidence, $level, $horizon, $margin, 'pending')
            ON CONFLICT (model_name, symbol, timeframe, horizon_start_ms) DO UPDATE SET
                as_of_ms = excluded.as_of_ms, predicted = excluded.predicted, probability = excluded.probability,
                confidence = excluded.confidence, pivot_level = excluded.pivot_level, horizon_bars = excluded.horizon_bars,
                margin_bars = excluded.margin_bars
            WHERE prediction_outcomes.status = 'pending' AND excluded.as_of_ms >= prediction_outcomes.as_of_ms;
            """;
        AddKey(command, pending);
        command.Parameters.AddWithValue("$asof", pending.AsOfMs);
        command.Parameters.AddWithValue("$predicted", (int)pending.Predicted);
        command.Parameters.AddWithValue("$probability", (double)pending.Probability);
        command.Parameters.AddWithValue("$confidence", (double)pending.Confidence);
        command.Parameters.AddWithValue("$level", pending.Labels.PivotLevel);
        command.Parameters.AddWithValue("$horizon", pending.Labels.HorizonBars);
        command.Parameters.AddWithValue("$margin", pending.Labels.ConfirmationMarginBars);
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>Marks pending rows resolved with their actual class, in one transaction.</summary>
    public void Resolve(IReadOnlyList<(PendingPrediction Pending, PredictionOutcome Outcome)> resolved)
    {
        ArgumentNullException.ThrowIfNull(resolved);
        if (resolved.Count == 0)
        {
            return;
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var (pending, outcome) in resolved)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE prediction_outcomes SET status = 'resolved', actual = $actual, resolved_at_ms = $at
                WHERE model_name = $model AND symbol = $symbol AND timeframe = $timeframe AND horizon_start_ms = $start;
                """;
            AddKey(command, pending);
            command.Parameters.AddWithValue("$actual", (int)outcome.Actual);
            command.Parameters.AddWithValue("$at", outcome.ResolvedAtMs);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Marks pending rows as never labelled (<see cref="StatusExpired"/> or <see cref="StatusOverflow"/>).</summary>
    public void Drop(IReadOnlyList<PendingPrediction> dropped, string status, long atMs)
    {
        ArgumentNullException.ThrowIfNull(dropped);
        if (dropped.Count == 0)
        {
            return;
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        foreach (var pending in dropped)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                UPDATE prediction_outcomes SET status = $status, resolved_at_ms = $at
                WHERE model_name = $model AND symbol = $symbol AND timeframe = $timeframe AND horizon_start_ms = $start AND status = 'pending';
                """;
            AddKey(command, pending);
            command.Parameters.AddWithValue("$status", status);
            command.Parameters.AddWithValue("$at", atMs);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>Every pending prediction, oldest first.</summary>
    public IReadOnlyList<PendingPrediction> LoadPending()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT model_name, symbol, timeframe, as_of_ms, predicted, probability, confidence, pivot_level, horizon_bars, margin_bars
            FROM prediction_outcomes WHERE status = 'pending' ORDER BY as_of_ms, model_name, timeframe;
            """;
        var result = new List<PendingPrediction>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (!TimeframeExtensions.TryParse(reader.GetString(2), out var timeframe))
            {
                continue;
            }

            result.Add(new PendingPrediction(
                reader.GetString(0),
                reader.GetString(1),
                timeframe,
                reader.GetInt64(3),
                (PivotClass)reader.GetInt32(4),
                (float)reader.GetDouble(5),
                (float)reader.GetDouble(6),
                new PivotLabelSettings(reader.GetInt32(7), reader.GetInt32(8), reader.GetInt32(9))));
        }

        return result;
    }

    /// <summary>The last <paramref name="perModelTimeframe"/> resolved outcomes of every model and timeframe, in resolution order.</summary>
    public IReadOnlyList<PredictionOutcome> LoadResolved(int perModelTimeframe)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT model_name, symbol, timeframe, as_of_ms, predicted, probability, confidence, actual, resolved_at_ms FROM (
                SELECT *, ROW_NUMBER() OVER (PARTITION BY model_name, timeframe ORDER BY resolved_at_ms DESC, as_of_ms DESC) AS n
                FROM prediction_outcomes WHERE status = 'resolved')
            WHERE n <= $limit
            ORDER BY resolved_at_ms, as_of_ms, model_name, timeframe;
            """;
        command.Parameters.AddWithValue("$limit", Math.Max(0, perModelTimeframe));
        var result = new List<PredictionOutcome>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (!TimeframeExtensions.TryParse(reader.GetString(2), out var timeframe))
            {
                continue;
            }

            result.Add(new PredictionOutcome(
                reader.GetString(0),
                reader.GetString(1),
                timeframe,
                reader.GetInt64(3),
                (PivotClass)reader.GetInt32(4),
                (float)reader.GetDouble(5),
                (float)reader.GetDouble(6),
                (PivotClass)reader.GetInt32(7),
                reader.GetInt64(8)));
        }

        return result;
    }

    /// <summary>Deletes resolved and dropped rows finished before <paramref name="beforeMs"/>; returns how many.</summary>
    public int DeleteFinishedBefore(long beforeMs)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM prediction_outcomes WHERE status <> 'pending' AND resolved_at_ms < $before;";
        command.Parameters.AddWithValue("$before", beforeMs);
        return command.ExecuteNonQuery();
    }

    /// <summary>Rows per status (for diagnostics and tests).</summary>
    public IReadOnlyDictionary<string, long> CountByStatus()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT status, COUNT(*) FROM prediction_outcomes GROUP BY status;";
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.GetInt64(1);
        }

        return result;
    }

    private static void AddKey(SqliteCommand command, PendingPrediction pending)
    {
        command.Parameters.AddWithValue("$model", pending.ModelName);
        command.Parameters.AddWithValue("$symbol", pending.Symbol);
        command.Parameters.AddWithValue("$timeframe", pending.Timeframe.ToCode());
        command.Parameters.AddWithValue("$start", pending.HorizonStartMs);
    }
}
