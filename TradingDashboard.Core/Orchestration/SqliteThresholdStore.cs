using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// Per-symbol entry/exit thresholds in SQLite (table <c>orchestrator_thresholds</c>), cached in memory: the orchestrator
/// reads the cache at every decision, so a change applies to the next decision. Symbols without a stored row use the
/// Trading:Orchestrator defaults. Changes are admin-only, checked here, and audited ("orchestrator.thresholds").
/// </summary>
public sealed partial class SqliteThresholdStore : IThresholdStore
{
    public const string AuditAction = "orchestrator.thresholds";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS orchestrator_thresholds (
            symbol TEXT NOT NULL PRIMARY KEY,
            entry REAL NOT NULL,
            exit REAL NOT NULL,
            updated_by TEXT NOT NULL,
            updated_at_ms INTEGER NOT NULL
        );
        """;

    private readonly SqliteDatabase _database;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly ConfidenceThresholds _defaults;
    private readonly string[] _symbols;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly List<Action> _handlers = [];
    private Dictionary<string, SymbolThresholds> _stored;
    private long _rejected;

    public SqliteThresholdStore(SqliteDatabase database, IAuditLog audit, IReadOnlyList<string> symbols, ConfidenceThresholds defaults, TimeProvider clock, ILogger<SqliteThresholdStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(clock);
        if (ThresholdRules.Check(defaults.Entry, defaults.Exit) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(defaults), defaults, "Default thresholds: " + error);
        }

        _database = database;
        _audit = audit;
        _clock = clock;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _defaults = defaults with { IsDefault = true };
        _symbols = symbols.Distinct(StringComparer.Ordinal).ToArray();
        _database.EnsureSchema(Schema);
        _stored = Load();
    }

    public IReadOnlyList<string> Symbols => _symbols;

    /// <summary>Changes refused for bad values or an unknown symbol.</summary>
    public long RejectedChanges => Interlocked.Read(ref _rejected);

    public ConfidenceThresholds Get(string symbol) =>
        Volatile.Read(ref _stored).TryGetValue(symbol, out var stored) ? stored.Thresholds : _defaults;

    public IReadOnlyList<SymbolThresholds> All
    {
        get
        {
            var stored = Volatile.Read(ref _stored);
            return _symbols.Select(s => stored.TryGetValue(s, out var row) ? row : new SymbolThresholds(s, _defaults, null, null)).ToArray();
        }
    }

    public async Task SetAsync(Actor actor, string symbol, double entry, double exit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var after = Describe(entry, exit);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, AuditAction, symbol ?? string.Empty, Describe(Get(symbol ?? string.Empty)), after, allowed: false, cancellationToken).ConfigureAwait(false);
            LogDenied(_logger, actor.Name, symbol ?? string.Empty);
            throw new AccessDeniedException("Only admins can change the orchestrator's thresholds.");
        }

        if (string.IsNullOrWhiteSpace(symbol) || !_symbols.Contains(symbol, StringComparer.Ordinal))
        {
            Interlocked.Increment(ref _rejected);
            throw new ArgumentException($"'{symbol}' is not a configured symbol ({string.Join(", ", _symbols)}).", nameof(symbol));
        }

        if (ThresholdRules.Check(entry, exit) is { } error)
        {
            Interlocked.Increment(ref _rejected);
            LogRejected(_logger, actor.Name, symbol, error);
            throw new ArgumentOutOfRangeException(nameof(entry), error);
        }

        string before;
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            before = Describe(Get(symbol));
            var now = _clock.GetUtcNow();
            await using (var connection = _database.Open())
            {
                await using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO orchestrator_thresholds(symbol, entry, exit, updated_by, updated_at_ms) VALUES ($symbol, $entry, $exit, $by, $at)
                    ON CONFLICT(symbol) DO UPDATE SET entry = excluded.entry, exit = excluded.exit, updated_by = excluded.updated_by, updated_at_ms = excluded.updated_at_ms;
                    """;
                command.Parameters.AddWithValue("$symbol", symbol);
                command.Parameters.AddWithValue("$entry", entry);
                command.Parameters.AddWithValue("$exit", exit);
                command.Parameters.AddWithValue("$by", actor.Name);
                command.Parameters.AddWithValue("$at", now.ToUnixTimeMilliseconds());
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            lock (_gate)
            {
                var next = new Dictionary<string, SymbolThresholds>(_stored, StringComparer.Ordinal)
                {
                    [symbol] = new SymbolThresholds(symbol, new ConfidenceThresholds(entry, exit), actor.Name, now),
                };
                Volatile.Write(ref _stored, next);
            }
        }
        finally
        {
            _writes.Release();
        }

        await _audit.RecordAsync(actor, AuditAction, symbol, before, after, allowed: true, cancellationToken).ConfigureAwait(false);
        LogChanged(_logger, actor.Name, symbol, before, after);
        Action[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler();
        }
    }

    public IDisposable Subscribe(Action changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_gate)
        {
            _handlers.Add(changed);
        }

        return new Subscription(() =>
        {
            lock (_gate)
            {
                _handlers.Remove(changed);
            }
        });
    }

    private static string Describe(ConfidenceThresholds thresholds) => Describe(thresholds.Entry, thresholds.Exit);

    private static string Describe(double entry, double exit) => string.Create(CultureInfo.InvariantCulture, $"entry={entry:0.###} exit={exit:0.###}");

    private Dictionary<string, SymbolThresholds> Load()
    {
        var rows = new Dictionary<string, SymbolThresholds>(StringComparer.Ordinal);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT symbol, entry, exit, updated_by, updated_at_ms FROM orchestrator_thresholds";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var symbol = reader.GetString(0);
            var entry = reader.GetDouble(1);
            var exit = reader.GetDouble(2);
            if (ThresholdRules.Check(entry, exit) is { } error)
            {
                // A row edited by hand into something invalid is ignored (defaults apply) rather than trading on it.
                LogBadRow(_logger, symbol, error);
                continue;
            }

            rows[symbol] = new SymbolThresholds(symbol, new ConfidenceThresholds(entry, exit), reader.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)));
        }

        return rows;
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        private Action? _dispose = dispose;

        public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
    }

    [LoggerMessage(EventId = 6601, Level = LogLevel.Warning, Message = "Orchestrator thresholds of {Symbol} changed by {Actor}: {Before} -> {After}")]
    private static partial void LogChanged(ILogger logger, string actor, string symbol, string before, string after);

    [LoggerMessage(EventId = 6602, Level = LogLevel.Warning, Message = "Orchestrator threshold change of {Symbol} by {Actor} denied: not an admin")]
    private static partial void LogDenied(ILogger logger, string actor, string symbol);

    [LoggerMessage(EventId = 6603, Level = LogLevel.Information, Message = "Orchestrator threshold change of {Symbol} by {Actor} rejected: {Error}")]
    private static partial void LogRejected(ILogger logger, string actor, string symbol, string error);

    [LoggerMessage(EventId = 6604, Level = LogLevel.Warning, Message = "Stored orchestrator thresholds of {Symbol} ignored: {Error}")]
    private static partial void LogBadRow(ILogger logger, string symbol, string error);
}
