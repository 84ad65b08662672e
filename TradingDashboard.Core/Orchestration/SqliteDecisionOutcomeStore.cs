using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Orchestration;

/// <summary>Counters of the decision record.</summary>
/// <param name="Recorded">Decisions in the store.</param>
/// <param name="Resolved">Decisions whose forward return is known.</param>
/// <param name="Pending">Decisions waiting for their horizon bar.</param>
/// <param name="BadRows">Stored rows that could not be read (skipped, logged).</param>
/// <param name="Failures">Writes or reads that failed (logged; the orchestrator went on).</param>
public sealed record DecisionRecordingStats(long Recorded, long Resolved, long Pending, long BadRows, long Failures);

/// <summary>The orchestrator's decisions with their realized outcomes (the training data of the gate).</summary>
public interface IDecisionOutcomeStore
{
    DecisionRecordingStats Stats { get; }

    /// <summary>Stores a decision made at the close of the bar opening at <paramref name="barOpenTimeMs"/>; it resolves at the first bar of its symbol opening at or after <c>barOpenTimeMs + HorizonBars x timeframeMs</c>.</summary>
    void Record(DecisionOutcome outcome, long barOpenTimeMs, long timeframeMs);

    /// <summary>Resolves the symbol's pending decisions that <paramref name="bar"/> (closed) is the horizon bar of; returns how many.</summary>
    int Resolve(OHLCVBar bar, DateTimeOffset now);

    /// <summary>The newest <paramref name="limit"/> resolved decisions, oldest first.</summary>
    IReadOnlyList<DecisionOutcome> Resolved(int limit);

    /// <summary>Calls <paramref name="changed"/> after each change; quick handlers only.</summary>
    IDisposable Subscribe(Action changed);
}

/// <summary>
/// <see cref="IDecisionOutcomeStore"/> in SQLite (table <c>orchestrator_decisions</c>; each row the decision as JSON, the
/// same shape as <see cref="DecisionOutcomeFile"/>'s lines). Resolution is by time, so it survives restarts and gaps: a
/// decision at the bar opening at t resolves at the first closed bar of its symbol opening at or after
/// t + HorizonBars x timeframe, with ForwardReturn = that close / the decision close - 1 (the bars replayed by the
/// orchestrator's warm-up resolve what was pending at shutdown). A row that cannot be read is counted, logged and
/// skipped (and never offered again); a failing write is counted and logged: the orchestrator never stops for it.
/// </summary>
public sealed partial class SqliteDecisionOutcomeStore : IDecisionOutcomeStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orchestrator_decisions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            symbol TEXT NOT NULL,
            bar_open_ms INTEGER NOT NULL,
            due_open_ms INTEGER NOT NULL,
            mode TEXT NOT NULL,
            payload TEXT NOT NULL,
            forward_return REAL NULL,
            resolved_at_ms INTEGER NULL,
            bad INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ix_orchestrator_decisions_bar ON orchestrator_decisions(symbol, bar_open_ms, mode);
        CREATE INDEX IF NOT EXISTS ix_orchestrator_decisions_pending ON orchestrator_decisions(symbol, resolved_at_ms, due_open_ms);
        """;

    private static readonly JsonSerializerOptions JsonOptions = new(ModelCard.JsonOptions) { WriteIndented = false };

    private readonly SqliteDatabase _database;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly ChangeListeners _listeners = new();
    private long _recorded;
    private long _resolved;
    private long _bad;
    private long _failures;

    public SqliteDecisionOutcomeStore(SqliteDatabase database, ILogger<SqliteDecisionOutcomeStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _database.EnsureSchema(Schema);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(CASE WHEN bad = 0 THEN forward_return END), SUM(bad) FROM orchestrator_decisions";
        using var reader = command.ExecuteReader();
        reader.Read();
        _recorded = reader.GetInt64(0);
        _resolved = reader.GetInt64(1);
        _bad = reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
    }

    public DecisionRecordingStats Stats
    {
        get
        {
            var recorded = Interlocked.Read(ref _recorded);
            var resolved = Interlocked.Read(ref _resolved);
            var bad = Interlocked.Read(ref _bad);
            return new DecisionRecordingStats(recorded, resolved, Math.Max(0, recorded - resolved - bad), bad, Interlocked.Read(ref _failures));
        }
    }

    public void Record(DecisionOutcome outcome, long barOpenTimeMs, long timeframeMs)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentOutOfRangeException.ThrowIfLessThan(timeframeMs, 1);
        if (!(outcome.Close > 0) || !double.IsFinite(outcome.Close) || outcome.HorizonBars < 1)
        {
            Interlocked.Increment(ref _failures);
            LogRejected(_logger, outcome.Context.Symbol, barOpenTimeMs, "a decision close must be positive and the horizon at least 1 bar");
            return;
        }

        try
        {
            using var connection = _database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT OR IGNORE INTO orchestrator_decisions(symbol, bar_open_ms, due_open_ms, mode, payload)
                VALUES ($symbol, $open, $due, $mode, $payload);
                """;
            command.Parameters.AddWithValue("$symbol", outcome.Context.Symbol);
            command.Parameters.AddWithValue("$open", barOpenTimeMs);
            command.Parameters.AddWithValue("$due", barOpenTimeMs + (outcome.HorizonBars * timeframeMs));
            command.Parameters.AddWithValue("$mode", outcome.Mode);
            command.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(outcome, JsonOptions));
            if (command.ExecuteNonQuery() > 0)
            {
                Interlocked.Increment(ref _recorded);
            }
        }
        catch (SqliteException ex)
        {
            Interlocked.Increment(ref _failures);
            LogWriteFailed(_logger, ex, outcome.Context.Symbol, barOpenTimeMs);
            return;
        }

        Notify();
    }

    public int Resolve(OHLCVBar bar, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(bar);
        if (!bar.IsClosed || !(bar.Close > 0) || !double.IsFinite(bar.Close))
        {
            return 0;
        }

        var resolved = 0;
        try
        {
            using var connection = _database.Open();
            var due = new List<(long Id, string Payload)>();
            using (var select = connection.CreateCommand())
            {
                select.CommandText = """
                    SELECT id, payload FROM orchestrator_decisions
                    WHERE symbol = $symbol AND resolved_at_ms IS NULL AND bad = 0 AND due_open_ms <= $open AND bar_open_ms < $open
                    ORDER BY id;
                    """;
                select.Parameters.AddWithValue("$symbol", bar.Symbol);
                select.Parameters.AddWithValue("$open", bar.OpenTimeMs);
                using var reader = select.ExecuteReader();
                while (reader.Read())
                {
                    due.Add((reader.GetInt64(0), reader.GetString(1)));
                }
            }

            if (due.Count == 0)
            {
                return 0;
            }

            using var transaction = connection.BeginTransaction();
            foreach (var (id, payload) in due)
            {
                using var update = connection.CreateCommand();
                update.Transaction = transaction;
                if (Parse(id, payload) is { } outcome)
                {
                    var forward = (bar.Close / outcome.Close) - 1;
                    var done = outcome with { ForwardReturn = forward, ResolvedAt = now };
                    update.CommandText = "UPDATE orchestrator_decisions SET forward_return = $r, resolved_at_ms = $at, payload = $payload WHERE id = $id;";
                    update.Parameters.AddWithValue("$r", forward);
                    update.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
                    update.Parameters.AddWithValue("$payload", JsonSerializer.Serialize(done, JsonOptions));
                    resolved++;
                }
                else
                {
                    update.CommandText = "UPDATE orchestrator_decisions SET bad = 1 WHERE id = $id;";
                }

                update.Parameters.AddWithValue("$id", id);
                update.ExecuteNonQuery();
            }

            transaction.Commit();
        }
        catch (SqliteException ex)
        {
            Interlocked.Increment(ref _failures);
            LogWriteFailed(_logger, ex, bar.Symbol, bar.OpenTimeMs);
            return 0;
        }

        Interlocked.Add(ref _resolved, resolved);
        Notify();
        return resolved;
    }

    public IReadOnlyList<DecisionOutcome> Resolved(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var outcomes = new List<DecisionOutcome>();
        var bad = new List<long>();
        try
        {
            using var connection = _database.Open();
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "SELECT id, payload FROM orchestrator_decisions WHERE forward_return IS NOT NULL AND bad = 0 ORDER BY id DESC LIMIT $limit;";
                command.Parameters.AddWithValue("$limit", limit);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var id = reader.GetInt64(0);
                    if (Parse(id, reader.GetString(1)) is { ForwardReturn: not null } outcome)
                    {
                        outcomes.Add(outcome);
                    }
                    else
                    {
                        bad.Add(id);
                    }
                }
            }

            // Marked so a damaged row is counted once and never read again.
            foreach (var id in bad)
            {
                using var mark = connection.CreateCommand();
                mark.CommandText = "UPDATE orchestrator_decisions SET bad = 1 WHERE id = $id;";
                mark.Parameters.AddWithValue("$id", id);
                mark.ExecuteNonQuery();
                Interlocked.Decrement(ref _resolved);
            }
        }
        catch (SqliteException ex)
        {
            Interlocked.Increment(ref _failures);
            LogReadFailed(_logger, ex);
        }

        outcomes.Reverse();
        return outcomes;
    }

    public IDisposable Subscribe(Action changed) => _listeners.Add(changed);

    private DecisionOutcome? Parse(long id, string payload)
    {
        try
        {
            var outcome = JsonSerializer.Deserialize<DecisionOutcome>(payload, JsonOptions);
            if (outcome?.Context?.Experts is not null && outcome.Weights is not null && outcome.Close > 0)
            {
                return outcome;
            }
        }
        catch (JsonException)
        {
            // Counted below.
        }

        Interlocked.Increment(ref _bad);
        LogBadRow(_logger, id);
        return null;
    }

    private void Notify() => _listeners.Raise(ex => LogListenerFailed(_logger, ex));

    [LoggerMessage(EventId = 6731, Level = LogLevel.Error, Message = "Recording the orchestrator decision {Symbol} {BarOpenTimeMs} failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string symbol, long barOpenTimeMs);

    [LoggerMessage(EventId = 6732, Level = LogLevel.Warning, Message = "Orchestrator decision row {Id} cannot be read; skipped")]
    private static partial void LogBadRow(ILogger logger, long id);

    [LoggerMessage(EventId = 6733, Level = LogLevel.Error, Message = "Reading the orchestrator decisions failed")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6734, Level = LogLevel.Warning, Message = "Orchestrator decision {Symbol} {BarOpenTimeMs} not recorded: {Reason}")]
    private static partial void LogRejected(ILogger logger, string symbol, long barOpenTimeMs, string reason);

    [LoggerMessage(EventId = 6735, Level = LogLevel.Warning, Message = "A decision record subscriber failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);
}
