using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>The two trade dump layouts Binance publishes.</summary>
public enum TradeFileKind
{
    /// <summary><c>id,price,qty,quote_qty,time,is_buyer_maker[,is_best_match]</c> (one row per trade).</summary>
    Trades,

    /// <summary><c>agg_id,price,qty,first_id,last_id,time,is_buyer_maker[,is_best_match]</c> (one row per aggregate trade).</summary>
    AggTrades,
}

/// <summary>
/// Reads Binance public-dump trades and aggTrades files: plain or .gz, with or without a header row, time in
/// milliseconds or microseconds (dumps from 2025 on), booleans as True/False or true/false. Each valid row becomes a
/// <see cref="MarketTick"/> whose receive time equals its trade time (a file has no receive time; replay restamps it).
/// </summary>
public static class TradeCsvReader
{
    /// <summary>
    /// Reads every valid row, in file order. A malformed row is reported to <paramref name="onRejected"/> with its 1-based
    /// line number and reason, and skipped; without a callback it throws a <see cref="FormatException"/> naming the file and line.
    /// </summary>
    public static IEnumerable<MarketTick> Read(string path, TradeFileKind kind, string source, string symbol, Action<int, string>? onRejected = null)
    {
        using var reader = KlineCsvReader.OpenText(path);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            if (lineNumber == 1 && KlineCsvReader.IsHeader(line))
            {
                continue;
            }

            if (!TryParseRow(line, kind, source, symbol, out var tick, out var reason))
            {
                if (onRejected is null)
                {
                    throw new FormatException($"{path}: line {lineNumber}: {reason}");
                }

                onRejected(lineNumber, reason);
                continue;
            }

            yield return tick;
        }
    }

    /// <summary>Parses one data row (not a header). On failure <paramref name="reason"/> says what is wrong.</summary>
    public static bool TryParseRow(ReadOnlySpan<char> line, TradeFileKind kind, string source, string symbol, [NotNullWhen(true)] out MarketTick? tick, out string reason)
    {
        tick = null;
        var (minColumns, maxColumns, timeColumn, makerColumn) = kind switch
        {
            TradeFileKind.Trades => (6, 7, 4, 5),
            TradeFileKind.AggTrades => (7, 8, 5, 6),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown trade file kind."),
        };

        Span<Range> columns = stackalloc Range[9];
        var count = line.Split(columns, ',');
        if (count < minColumns || count > maxColumns)
        {
            reason = $"expected {minColumns} or {maxColumns} columns for {kind}, found {(count > maxColumns ? $"more than {maxColumns}" : count.ToString(CultureInfo.InvariantCulture))}";
            return false;
        }

        var idText = line[columns[0]];
        if (!long.TryParse(idText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) || id < 0)
        {
            reason = $"trade id '{idText}' is not a non-negative integer";
            return false;
        }

        var priceText = line[columns[1]];
        if (!double.TryParse(priceText, NumberStyles.Float, CultureInfo.InvariantCulture, out var price) || !double.IsFinite(price))
        {
            reason = $"price '{priceText}' is not a finite number";
            return false;
        }

        if (price <= 0)
        {
            reason = $"non-positive price {price.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        var qtyText = line[columns[2]];
        if (!double.TryParse(qtyText, NumberStyles.Float, CultureInfo.InvariantCulture, out var quantity) || !double.IsFinite(quantity))
        {
            reason = $"quantity '{qtyText}' is not a finite number";
            return false;
        }

        if (quantity <= 0)
        {
            reason = $"non-positive quantity {quantity.ToString(CultureInfo.InvariantCulture)}";
            return false;
        }

        if (kind == TradeFileKind.AggTrades)
        {
            var firstText = line[columns[3]];
            var lastText = line[columns[4]];
            if (!long.TryParse(firstText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var firstId)
                || !long.TryParse(lastText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var lastId))
            {
                reason = $"first_id '{firstText}' or last_id '{lastText}' is not an integer";
                return false;
            }

            if (lastId < firstId)
            {
                reason = $"last_id {lastId} is below first_id {firstId}";
                return false;
            }
        }

        var timeText = line[columns[timeColumn]];
        if (!long.TryParse(timeText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var rawTime) || rawTime <= 0)
        {
            reason = $"time '{timeText}' is not a positive integer";
            return false;
        }

        var makerText = line[columns[makerColumn]];
        if (!bool.TryParse(makerText, out var isBuyerMaker))
        {
            reason = $"is_buyer_maker '{makerText}' is not True or False";
            return false;
        }

        if (count == maxColumns && !bool.TryParse(line[columns[maxColumns - 1]], out _))
        {
            reason = $"is_best_match '{line[columns[maxColumns - 1]]}' is not True or False";
            return false;
        }

        var timeMs = KlineCsvReader.ToMilliseconds(rawTime);
        tick = new MarketTick(source, symbol, id, price, quantity, isBuyerMaker, timeMs, timeMs);
        reason = string.Empty;
        return true;
    }
}
