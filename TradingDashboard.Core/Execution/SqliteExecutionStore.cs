using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Execution;

/// <summary>
/// <see cref="IExecutionStore"/> in the shared SQLite database, one venue per instance. Decimals are stored as
/// invariant-culture text so no value is ever rounded by a floating-point column. Tables: exec_orders,
/// exec_order_events, exec_fills (primary key venue + trade id: the de-duplication key), exec_positions,
/// exec_accounts, exec_state.
/// </summary>
public sealed class SqliteExecutionStore : IExecutionStore
{
    public const string Schema = """
        CREATE TABLE IF NOT EXISTS exec_orders (
            client_order_id TEXT NOT NULL PRIMARY KEY,
            intent_id TEXT NOT NULL UNIQUE,
            venue TEXT NOT NULL,
            symbol TEXT NOT NULL,
            side TEXT NOT NULL,
            type TEXT NOT NULL,
            time_in_force TEXT NOT NULL,
            quantity TEXT NOT NULL,
            limit_price TEXT NULL,
            stop_price TEXT NULL,
            reduce_only INTEGER NOT NULL,
            is_protective INTEGER NOT NULL,
            stop_loss_price TEXT NULL,
            source TEXT NOT NULL,
            reason TEXT NOT NULL,
            status TEXT NOT NULL,
            filled_quantity TEXT NOT NULL,
            average_price TEXT NOT NULL,
            venue_order_id TEXT NULL,
            created_ms INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            status_reason TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_exec_orders_venue_status ON exec_orders(venue, status);
        CREATE TABLE IF NOT EXISTS exec_order_events (
            venue TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            client_order_id TEXT NOT NULL,
            from_status TEXT NULL,
            to_status TEXT NOT NULL,
            reason TEXT NOT NULL,
            time_ms INTEGER NOT NULL,
            trade_id TEXT NULL,
            PRIMARY KEY (venue, sequence));
        CREATE INDEX IF NOT EXISTS ix_exec_order_events_order ON exec_order_events(client_order_id);
        CREATE TABLE IF NOT EXISTS exec_fills (
            venue TEXT NOT NULL,
            trade_id TEXT NOT NULL,
            client_order_id TEXT NOT NULL,
            symbol TEXT NOT NULL,
            side TEXT NOT NULL,
            quantity TEXT NOT NULL,
            price TEXT NOT NULL,
            fee TEXT NOT NULL,
            fee_asset TEXT NOT NULL,
            is_maker INTEGER NOT NULL,
            time_ms INTEGER NOT NULL,
            PRIMARY KEY (venue, trade_id));
        CREATE TABLE IF NOT EXISTS exec_positions (
            venue TEXT NOT NULL,
            symbol TEXT NOT NULL,
            quantity TEXT NOT NULL,
            average_entry_price TEXT NOT NULL,
            realized_pnl TEXT NOT NULL,
            fees_paid TEXT NOT NULL,
            mark_price TEXT NOT NULL,
            turnover TEXT NOT NULL,
            fees_by_asset TEXT NOT NULL,
            unconverted_fees INTEGER NOT NULL,
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (venue, symbol));
        CREATE TABLE IF NOT EXISTS exec_accounts (
            venue TEXT NOT NULL PRIMARY KEY,
            cash TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS exec_state (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL);
        """;

    private const string OrderColumns = "client_order_id, intent_id, venue, symbol, side, type, time_in_force, quantity, limit_price, stop_price, reduce_only, is_protective, stop_loss_price, source, reason, status, filled_quantity, average_price, venue_order_id, created_ms, updated_ms, status_reason";

    private readonly SqliteDatabase _database;

    public SqliteExecutionStore(SqliteDatabase database, string venue)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentException.ThrowIfNullOrWhiteSpace(venue);
        _database = database;
        Venue = venue;
        database.EnsureSchema(Schema);
    }

    public string Venue { get; }

    public ExecutionSnapshot Load()
    {
        using var connection = _database.Open();
        var open = new List<Order>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT {OrderColumns} FROM exec_orders WHERE venue = $venue AND status IN ('New','Submitted','Accepted','PartiallyFilled') ORDER BY created_ms, client_order_id";
            command.Parameters.AddWithValue("$venue", Venue);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                open.Add(ReadOrder(reader));
            }
        }

        var positions = new List<Position>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT symbol, quantity, average_entry_price, realized_pnl, fees_paid, mark_price, turnover, fees_by_asset, unconverted_fees, updated_ms FROM exec_positions WHERE venue = $venue ORDER BY symbol";
            command.Parameters.AddWithValue("$venue", Venue);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var fees = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7)) ?? [];
                positions.Add(new Position(
                    reader.GetString(0),
                    Dec(reader.GetString(1)),
                    Dec(reader.GetString(2)),
                    Dec(reader.GetString(3)),
                    Dec(reader.GetString(4)),
                    Dec(reader.GetString(5)),
                    Dec(reader.GetString(6)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)))
                {
                    FeesByAsset = fees.ToDictionary(kv => kv.Key, kv => Dec(kv.Value), StringComparer.Ordinal),
                    HasUnconvertedFees = reader.GetInt64(8) != 0,
                });
            }
        }

        decimal? cash = null;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT cash FROM exec_accounts WHERE venue = $venue";
            command.Parameters.AddWithValue("$venue", Venue);
            if (command.ExecuteScalar() is string text)
            {
                cash = Dec(text);
            }
        }

        long lastSequence;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COALESCE(MAX(sequence), 0) FROM exec_order_events WHERE venue = $venue";
            command.Parameters.AddWithValue("$venue", Venue);
            lastSequence = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        return new ExecutionSnapshot(open, positions, cash, lastSequence);
    }

    public Order? FindOrderByIntent(string intentId) => FindOrderWhere("intent_id", intentId);

    public Order? FindOrder(string clientOrderId) => FindOrderWhere("client_order_id", clientOrderId);

    public bool HasFill(string tradeId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM exec_fills WHERE venue = $venue AND trade_id = $trade";
        command.Parameters.AddWithValue("$venue", Venue);
        command.Parameters.AddWithValue("$trade", tradeId);
        return command.ExecuteScalar() is not null;
    }

    public void SaveOrder(Order order, IReadOnlyList<OrderEvent> events)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(events);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        UpsertOrder(connection, transaction, order);
        InsertEvents(connection, transaction, events);
        transaction.Commit();
    }

    public void SaveFill(Fill fill, Order? order, IReadOnlyList<OrderEvent> events, Position position, decimal cash)
    {
        ArgumentNullException.ThrowIfNull(fill);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(position);
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO exec_fills (venue, trade_id, client_order_id, symbol, side, quantity, price, fee, fee_asset, is_maker, time_ms)
                VALUES ($venue, $trade, $client, $symbol, $side, $qty, $price, $fee, $feeAsset, $maker, $time)
                """;
            command.Parameters.AddWithValue("$venue", Venue);
            command.Parameters.AddWithValue("$trade", fill.TradeId);
            command.Parameters.AddWithValue("$client", fill.ClientOrderId);
            command.Parameters.AddWithValue("$symbol", fill.Symbol);
            command.Parameters.AddWithValue("$side", fill.Side.ToString());
            command.Parameters.AddWithValue("$qty", Text(fill.Quantity));
            command.Parameters.AddWithValue("$price", Text(fill.Price));
            command.Parameters.AddWithValue("$fee", Text(fill.Fee));
            command.Parameters.AddWithValue("$feeAsset", fill.FeeAsset);
            command.Parameters.AddWithValue("$maker", fill.IsMaker ? 1 : 0);
            command.Parameters.AddWithValue("$time", fill.Time.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        if (order is not null)
        {
            UpsertOrder(connection, transaction, order);
        }

        InsertEvents(connection, transaction, events);
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO exec_positions (venue, symbol, quantity, average_entry_price, realized_pnl, fees_paid, mark_price, turnover, fees_by_asset, unconverted_fees, updated_ms)
                VALUES ($venue, $symbol, $qty, $avg, $realized, $fees, $mark, $turnover, $byAsset, $unconverted, $updated)
                ON CONFLICT (venue, symbol) DO UPDATE SET quantity = excluded.quantity, average_entry_price = excluded.average_entry_price,
                    realized_pnl = excluded.realized_pnl, fees_paid = excluded.fees_paid, mark_price = excluded.mark_price,
                    turnover = excluded.turnover, fees_by_asset = excluded.fees_by_asset, unconverted_fees = excluded.unconverted_fees,
                    updated_ms = excluded.updated_ms
                """;
            command.Parameters.AddWithValue("$venue", Venue);
            command.Parameters.AddWithValue("$symbol", position.Symbol);
            command.Parameters.AddWithValue("$qty", Text(position.Quantity));
            command.Parameters.AddWithValue("$avg", Text(position.AverageEntryPrice));
            command.Parameters.AddWithValue("$realized", Text(position.RealizedPnl));
            command.Parameters.AddWithValue("$fees", Text(position.FeesPaid));
            command.Parameters.AddWithValue("$mark", Text(position.MarkPrice));
            command.Parameters.AddWithValue("$turnover", Text(position.Turnover));
            command.Parameters.AddWithValue("$byAsset", JsonSerializer.Serialize(position.FeesByAsset.ToDictionary(kv => kv.Key, kv => Text(kv.Value))));
            command.Parameters.AddWithValue("$unconverted", position.HasUnconvertedFees ? 1 : 0);
            command.Parameters.AddWithValue("$updated", position.UpdatedAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }

        UpsertCash(connection, transaction, cash);
        transaction.Commit();
    }

    public void SaveCash(decimal cash)
    {
        using var connection = _database.Open();
        using var transaction = connection.BeginTransaction();
        UpsertCash(connection, transaction, cash);
        transaction.Commit();
    }

    public IReadOnlyList<Order> RecentOrders(int limit)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {OrderColumns} FROM exec_orders WHERE venue = $venue ORDER BY updated_ms DESC, client_order_id LIMIT $limit";
        command.Parameters.AddWithValue("$venue", Venue);
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        using var reader = command.ExecuteReader();
        var orders = new List<Order>();
        while (reader.Read())
        {
            orders.Add(ReadOrder(reader));
        }

        return orders;
    }

    public IReadOnlyList<Fill> RecentFills(int limit)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT trade_id, client_order_id, symbol, side, quantity, price, fee, fee_asset, is_maker, time_ms FROM exec_fills WHERE venue = $venue ORDER BY time_ms DESC, rowid DESC LIMIT $limit";
        command.Parameters.AddWithValue("$venue", Venue);
        command.Parameters.AddWithValue("$limit", Math.Max(0, limit));
        using var reader = command.ExecuteReader();
        var fills = new List<Fill>();
        while (reader.Read())
        {
            fills.Add(new Fill(
                Venue,
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                Enum.Parse<OrderSide>(reader.GetString(3)),
                Dec(reader.GetString(4)),
                Dec(reader.GetString(5)),
                Dec(reader.GetString(6)),
                reader.GetString(7),
                reader.GetInt64(8) != 0,
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9))));
        }

        return fills;
    }

    public IReadOnlyList<OrderEvent> EventsOf(string clientOrderId)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sequence, client_order_id, from_status, to_status, reason, time_ms, trade_id FROM exec_order_events WHERE venue = $venue AND client_order_id = $client ORDER BY sequence";
        command.Parameters.AddWithValue("$venue", Venue);
        command.Parameters.AddWithValue("$client", clientOrderId);
        using var reader = command.ExecuteReader();
        var events = new List<OrderEvent>();
        while (reader.Read())
        {
            events.Add(new OrderEvent(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : Enum.Parse<OrderStatus>(reader.GetString(2)),
                Enum.Parse<OrderStatus>(reader.GetString(3)),
                reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }

        return events;
    }

    public string? GetState(string key)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT value FROM exec_state WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() as string;
    }

    public void SetState(string key, string value)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO exec_state (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static object Text(decimal? value) => value is { } v ? Text(v) : DBNull.Value;

    private static decimal Dec(string text) => decimal.Parse(text, NumberStyles.Number | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);

    private static decimal? DecOrNull(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Dec(reader.GetString(ordinal));

    private Order? FindOrderWhere(string column, string value)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {OrderColumns} FROM exec_orders WHERE {column} = $value";
        command.Parameters.AddWithValue("$value", value);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ReadOrder(reader) : null;
    }

    private static Order ReadOrder(SqliteDataReader reader)
    {
        var intent = new OrderIntent(
            reader.GetString(1),
            reader.GetString(3),
            Enum.Parse<OrderSide>(reader.GetString(4)),
            Enum.Parse<OrderType>(reader.GetString(5)),
            Dec(reader.GetString(7)),
            DecOrNull(reader, 8),
            DecOrNull(reader, 9),
            Enum.Parse<TimeInForce>(reader.GetString(6)))
        {
            ReduceOnly = reader.GetInt64(10) != 0,
            IsProtective = reader.GetInt64(11) != 0,
            StopLossPrice = DecOrNull(reader, 12),
            Source = reader.GetString(13),
            Reason = reader.GetString(14),
        };
        return new Order(
            reader.GetString(0),
            intent,
            reader.GetString(2),
            Enum.Parse<OrderStatus>(reader.GetString(15)),
            Dec(reader.GetString(16)),
            Dec(reader.GetString(17)),
            reader.IsDBNull(18) ? null : reader.GetString(18),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(19)),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(20)),
            reader.GetString(21));
    }

    private static void UpsertOrder(SqliteConnection connection, SqliteTransaction transaction, Order order)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            INSERT INTO exec_orders ({OrderColumns})
            VALUES ($client, $intent, $venue, $symbol, $side, $type, $tif, $qty, $limit, $stop, $reduce, $protective, $stopLoss, $source, $reason, $status, $filled, $avg, $venueId, $created, $updated, $statusReason)
            ON CONFLICT (client_order_id) DO UPDATE SET status = excluded.status, filled_quantity = excluded.filled_quantity,
                average_price = excluded.average_price, venue_order_id = excluded.venue_order_id, updated_ms = excluded.updated_ms,
                status_reason = excluded.status_reason, stop_price = excluded.stop_price
            """;
        var i = order.Intent;
        command.Parameters.AddWithValue("$client", order.ClientOrderId);
        command.Parameters.AddWithValue("$intent", i.IntentId);
        command.Parameters.AddWithValue("$venue", order.Venue);
        command.Parameters.AddWithValue("$symbol", i.Symbol);
        command.Parameters.AddWithValue("$side", i.Side.ToString());
        command.Parameters.AddWithValue("$type", i.Type.ToString());
        command.Parameters.AddWithValue("$tif", i.TimeInForce.ToString());
        command.Parameters.AddWithValue("$qty", Text(i.Quantity));
        command.Parameters.AddWithValue("$limit", Text(i.LimitPrice));
        command.Parameters.AddWithValue("$stop", Text(i.StopPrice));
        command.Parameters.AddWithValue("$reduce", i.ReduceOnly ? 1 : 0);
        command.Parameters.AddWithValue("$protective", i.IsProtective ? 1 : 0);
        command.Parameters.AddWithValue("$stopLoss", Text(i.StopLossPrice));
        command.Parameters.AddWithValue("$source", i.Source);
        command.Parameters.AddWithValue("$reason", i.Reason);
        command.Parameters.AddWithValue("$status", order.Status.ToString());
        command.Parameters.AddWithValue("$filled", Text(order.FilledQuantity));
        command.Parameters.AddWithValue("$avg", Text(order.AveragePrice));
        command.Parameters.AddWithValue("$venueId", (object?)order.VenueOrderId ?? DBNull.Value);
        command.Parameters.AddWithValue("$created", order.CreatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$updated", order.UpdatedAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$statusReason", order.StatusReason);
        command.ExecuteNonQuery();
    }

    private void InsertEvents(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<OrderEvent> events)
    {
        foreach (var e in events)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO exec_order_events (venue, sequence, client_order_id, from_status, to_status, reason, time_ms, trade_id)
                VALUES ($venue, $seq, $client, $from, $to, $reason, $time, $trade)
                """;
            command.Parameters.AddWithValue("$venue", Venue);
            command.Parameters.AddWithValue("$seq", e.Sequence);
            command.Parameters.AddWithValue("$client", e.ClientOrderId);
            command.Parameters.AddWithValue("$from", e.From is { } from ? from.ToString() : DBNull.Value);
            command.Parameters.AddWithValue("$to", e.To.ToString());
            command.Parameters.AddWithValue("$reason", e.Reason);
            command.Parameters.AddWithValue("$time", e.Time.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$trade", (object?)e.TradeId ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    private void UpsertCash(SqliteConnection connection, SqliteTransaction transaction, decimal cash)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO exec_accounts (venue, cash) VALUES ($venue, $cash) ON CONFLICT (venue) DO UPDATE SET cash = excluded.cash";
        command.Parameters.AddWithValue("$venue", Venue);
        command.Parameters.AddWithValue("$cash", Text(cash));
        command.ExecuteNonQuery();
    }
}
