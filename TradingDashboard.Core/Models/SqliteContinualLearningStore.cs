using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Models;

/// <summary>What continual learning keeps across restarts: the pivot count since the last training and the last run.</summary>
public sealed record ContinualLearningState(int ConfirmedPivotsSinceLastTraining, DateTimeOffset? LastRunAt, string? LastRunId, string? LastMessage)
{
    public static ContinualLearningState Initial { get; } = new(0, null, null, null);
}

/// <summary>One row in the <c>continual_learning_state</c> table.</summary>
public sealed class SqliteContinualLearningStore
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS continual_learning_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            pivots_since_training INTEGER NOT NULL,
            last_run_at_ms INTEGER NULL,
            last_run_id TEXT NULL,
            last_message TEXT NULL
        );
        """;

    private readonly SqliteDatabase _database;

    public SqliteContinualLearningStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _database.EnsureSchema(Schema);
    }

    public ContinualLearningState Load()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pivots_since_training, last_run_at_ms, last_run_id, last_message FROM continual_learning_state WHERE id = 1;";
        using var reader = command.ExecuteReader();
        if (!reader.Read())
        {
            return ContinualLearningState.Initial;
        }

        return new ContinualLearningState(
            reader.GetInt32(0),
            reader.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
    }

    public void Save(ContinualLearningState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO continual_learning_state (id, pivots_since_training, last_run_at_ms, last_run_id, last_message)
            VALUES (1, $pivots, $at, $run, $message)
            ON CONFLICT (id) DO UPDATE SET pivots_since_training = excluded.pivots_since_training,
                last_run_at_ms = excluded.last_run_at_ms, last_run_id = excluded.last_run_id, last_message = excluded.last_message;
            """;
        command.Parameters.AddWithValue("$pivots", state.ConfirmedPivotsSinceLastTraining);
        command.Parameters.AddWithValue("$at", state.LastRunAt is { } at ? at.ToUnixTimeMilliseconds() : DBNull.Value);
        command.Parameters.AddWithValue("$run", (object?)state.LastRunId ?? DBNull.Value);
        command.Parameters.AddWithValue("$message", (object?)state.LastMessage ?? DBNull.Value);
        command.ExecuteNonQuery();
    }
}
