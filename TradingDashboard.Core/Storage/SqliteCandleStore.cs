using System.Globalization;
using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Storage;

/// <summary>
/// Closed candles in the <c>candles</c> table of the SQLite database. The primary key is (symbol, timeframe, open_time,
/// source) in a WITHOUT ROWID table, so rows are clustered by series and time: range and "latest N" reads walk one index.
/// </summary>
/// <remarks>
/// Source precedence when two sources hold the same open time: the row written last wins (a write sequence number is
/// kept per row). That is the cache's rule too ("a newer version replaces it"), so the store and the cache agree: a
/// candle re-fetched after a disconnection or a source switch replaces the incomplete one, whichever source it is from.
/// </remarks>
public sealed class SqliteCandleStore : ICandleStore
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS candles (
            symbol TEXT NOT NULL,
            timeframe TEXT NOT NULL,
            open_time INTEGER NOT NULL,
            source TEXT NOT NULL,
            open REAL NOT NULL,
            high REAL NOT NULL,
            low REAL NOT NULL,
            close REAL NOT NULL,
            volume REAL NOT NULL,
            quote_volume REAL NOT NULL,
            trade_count INTEGER NOT NULL,
            exchange_time INTEGER NOT NULL,
            received_time INTEGER NOT NULL,
            written_seq INTEGER NOT NULL,
            PRIMARY KEY (symbol, timeframe, open_time, source)
        ) WITHOUT ROWID;
        """;

    private const string UpsertSql = """
        INSERT INTO candles (symbol, timeframe, open_time, source, open, high, low, close, volume, quote_volume, trade_count, exchange_time, received_time, written_seq)
        VALUES ($symbol, $timeframe, $open_time, $source, $open, $high, $low, $close, $volume, $quote_volume, $trade_count, $exchange_time, $received_time, $written_seq)
        ON CONFLICT (symbol, timeframe, open_time, source) DO UPDATE SET
            open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close, volume = excluded.volume,
            quote_volume = excluded.quote_volume, trade_count = excluded.trade_count,
            exchange_time = excluded.exchange_time, received_time = excluded.received_time, written_seq = excluded.written_seq;
        """;

    private const string Columns = "source, open_time, open, high, low, close, volume, quote_volume, trade_count, exchange_time, received_time, written_seq";

    private readonly SqliteDatabase _database;
    private readonly Lock _writeGate = new();
    private long _writeSeq;

    /// <param name="database">The shared database (WAL mode).</param>
    public SqliteCandleStore(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _database.EnsureSchema(Schema);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(MAX(written_seq), 0) FROM candles;";
        _writeSeq = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    public Task<int> UpsertAsync(IReadOnlyCollection<OHLCVBar> bars, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bars);
        cancellationToken.ThrowIfCancellationRequested();
        if (bars.Count == 0)
        {
            return Task.FromResult(0);
        }

        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = UpsertSql;
        var symbol = command.Parameters.Add("$symbol", SqliteType.Text);
        var timeframe = command.Parameters.Add("$timeframe", SqliteType.Text);
        var openTime = command.Parameters.Add("$open_time", SqliteType.Integer);
        var source = command.Parameters.Add("$source", SqliteType.Text);
        var open = command.Parameters.Add("$open", SqliteType.Real);
        var high = command.Parameters.Add("$high", SqliteType.Real);
        var low = command.Parameters.Add("$low", SqliteType.Real);
        var close = command.Parameters.Add("$close", SqliteType.Real);
        var volume = command.Parameters.Add("$volume", SqliteType.Real);
        var quoteVolume = command.Parameters.Add("$quote_volume", SqliteType.Real);
        var tradeCount = command.Parameters.Add("$trade_count", SqliteType.Integer);
        var exchangeTime = command.Parameters.Add("$exchange_time", SqliteType.Integer);
        var receivedTime = command.Parameters.Add("$received_time", SqliteType.Integer);
        var writtenSeq = command.Parameters.Add("$written_seq", SqliteType.Integer);
        command.Prepare();

        // One writer at a time keeps the sequence numbers in commit order (SQLite serialises writers anyway).
        using var writeLock = _writeGate.EnterScope();

        var written = 0;
        foreach (var bar in bars)
        {
            if (!bar.IsClosed)
            {
                continue;
            }

            symbol.Value = bar.Symbol;
            timeframe.Value = bar.Timeframe.ToCode();
            openTime.Value = bar.OpenTimeMs;
            source.Value = bar.Source;
            open.Value = bar.Open;
            high.Value = bar.High;
            low.Value = bar.Low;
            close.Value = bar.Close;
            volume.Value = bar.Volume;
            quoteVolume.Value = bar.QuoteVolume;
            tradeCount.Value = bar.TradeCount;
            exchangeTime.Value = bar.ExchangeTimeMs;
            receivedTime.Value = bar.ReceivedTimeMs;
            writtenSeq.Value = ++_writeSeq;
            command.ExecuteNonQuery();
            written++;
        }

        cancellationToken.ThrowIfCancellationRequested();
        transaction.Commit();
        return Task.FromResult(written);
    }

    public Task<IReadOnlyList<OHLCVBar>> GetLatestAsync(string symbol, Timeframe timeframe, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        cancellationToken.ThrowIfCancellationRequested();
        if (limit <= 0)
        {
            return Task.FromResult<IReadOnlyList<OHLCVBar>>([]);
        }

        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        // The limit applies to distinct open times, so a second source's copies do not crowd out older candles.
        command.CommandText = $"""
            SELECT {Columns} FROM candles
            WHERE symbol = $symbol AND timeframe = $timeframe AND open_time >= (
                SELECT MIN(open_time) FROM (
                    SELECT DISTINCT open_time FROM candles WHERE symbol = $symbol AND timeframe = $timeframe
                    ORDER BY open_time DESC LIMIT $limit))
            ORDER BY open_time;
            """;
        command.Parameters.AddWithValue("$symbol", symbol);
        command.Parameters.AddWithValue("$timeframe", timeframe.ToCode());
        command.Parameters.AddWithValue("$limit", limit);
        return Task.FromResult<IReadOnlyList<OHLCVBar>>(ReadMerged(command, symbol, timeframe));
    }

    public Task<IReadOnlyList<OHLCVBar>> GetRangeAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, string? source = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {Columns} FROM candles
            WHERE symbol = $symbol AND timeframe = $timeframe AND open_time BETWEEN $from AND $to
            {(source is null ? string.Empty : "AND source = $source")}
            ORDER BY open_time;
            """;
        command.Parameters.AddWithValue("$symbol", symbol);
        command.Parameters.AddWithValue("$timeframe", timeframe.ToCode());
        command.Parameters.AddWithValue("$from", fromMs);
        command.Parameters.AddWithValue("$to", toMs);
        if (source is not null)
        {
            command.Parameters.AddWithValue("$source", source);
        }

        return Task.FromResult<IReadOnlyList<OHLCVBar>>(ReadMerged(command, symbol, timeframe));
    }

    public Task<long?> GetLatestOpenTimeAsync(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT MAX(open_time) FROM candles WHERE symbol = $symbol AND timeframe = $timeframe;";
        command.Parameters.AddWithValue("$symbol", symbol);
        command.Parameters.AddWithValue("$timeframe", timeframe.ToCode());
        var value = command.ExecuteScalar();
        return Task.FromResult(value is null or DBNull ? (long?)null : Convert.ToInt64(value, CultureInfo.InvariantCulture));
    }

    public Task<IReadOnlyDictionary<CandleSeriesKey, long>> GetLatestOpenTimesAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT symbol, timeframe, MAX(open_time) FROM candles GROUP BY symbol, timeframe;";
        var result = new Dictionary<CandleSeriesKey, long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (TimeframeExtensions.TryParse(reader.GetString(1), out var tf))
            {
                result[new CandleSeriesKey(reader.GetString(0), tf)] = reader.GetInt64(2);
            }
        }

        return Task.FromResult<IReadOnlyDictionary<CandleSeriesKey, long>>(result);
    }

    public Task<long> CountAsync(string symbol, Timeframe timeframe, string? source = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM candles WHERE symbol = $symbol AND timeframe = $timeframe"
            + (source is null ? ";" : " AND source = $source;");
        command.Parameters.AddWithValue("$symbol", symbol);
        command.Parameters.AddWithValue("$timeframe", timeframe.ToCode());
        if (source is not null)
        {
            command.Parameters.AddWithValue("$source", source);
        }

        return Task.FromResult(Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    /// <summary>Reads rows ordered by open time and keeps one per open time: the last written.</summary>
    private List<OHLCVBar> ReadMerged(SqliteCommand command, string symbol, Timeframe timeframe)
    {
        var result = new List<OHLCVBar>();
        using var reader = command.ExecuteReader();
        long lastSeq = 0;
        while (reader.Read())
        {
            var seq = reader.GetInt64(11);
            var bar = new OHLCVBar(
                reader.GetString(0), symbol, timeframe, reader.GetInt64(1),
                reader.GetDouble(2), reader.GetDouble(3), reader.GetDouble(4), reader.GetDouble(5), reader.GetDouble(6),
                IsClosed: true)
            {
                QuoteVolume = reader.GetDouble(7),
                TradeCount = reader.GetInt64(8),
                ExchangeTimeMs = reader.GetInt64(9),
                ReceivedTimeMs = reader.GetInt64(10),
            };
            if (result.Count > 0 && result[^1].OpenTimeMs == bar.OpenTimeMs)
            {
                if (seq > lastSeq)
                {
                    result[^1] = bar;
                    lastSeq = seq;
                }

                continue;
            }

            result.Add(bar);
            lastSeq = seq;
        }

        return result;
    }
}
