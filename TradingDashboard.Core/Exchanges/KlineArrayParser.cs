using System.Buffers.Text;
using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>One REST kline answer: the valid bars, the number of rows the venue sent, and the newest open time among all rows (valid or not).</summary>
public sealed record KlinePage(IReadOnlyList<OHLCVBar> Bars, int RowCount, long LastRowOpenTimeMs);

/// <summary>
/// Parses the REST kline answer shared by Binance and MEXC: an array of arrays
/// [openTime, open, high, low, close, volume, closeTime, quoteVolume, (tradeCount, takerBase, takerQuote, ignore)].
/// Binance sends 12 fields (closeTime = open + interval - 1), MEXC 8 (closeTime = open + interval). Numbers may be
/// JSON strings or numbers. Invalid rows are reported to <paramref name="onRejected"/> and skipped.
/// </summary>
public static class KlineArrayParser
{
    /// <summary>Parses and keeps the valid rows; see <see cref="ParsePage"/> for the row count and last open time.</summary>
    public static List<OHLCVBar> Parse(
        ReadOnlySpan<byte> utf8Json,
        string source,
        string symbol,
        Timeframe timeframe,
        long receivedTimeMs,
        Action<string, string> onRejected) =>
        (List<OHLCVBar>)ParsePage(utf8Json, source, symbol, timeframe, receivedTimeMs, onRejected).Bars;

    /// <param name="onRejected">Called with (reason, detail) for each rejected row.</param>
    /// <exception cref="JsonException">The body is not an array of arrays.</exception>
    public static KlinePage ParsePage(
        ReadOnlySpan<byte> utf8Json,
        string source,
        string symbol,
        Timeframe timeframe,
        long receivedTimeMs,
        Action<string, string> onRejected)
    {
        ArgumentNullException.ThrowIfNull(onRejected);
        var rowCount = 0;
        long lastRowOpen = long.MinValue;
        var bars = new List<OHLCVBar>();
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("Kline answer is not a JSON array.");
        }

        var duration = timeframe.DurationMs();
        Span<double> values = stackalloc double[8];
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            rowCount++;
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                onRejected(RejectReasons.MalformedRow, "kline row is not an array");
                continue;
            }

            var index = 0;
            var invalid = false;
            long openTime = 0;
            long closeTime = 0;
            long trades = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
                {
                    reader.Skip();
                    invalid = true;
                }
                else
                {
                    switch (index)
                    {
                        case 0: invalid |= !TryReadInt64(ref reader, out openTime); break;
                        case >= 1 and <= 5: invalid |= !TryReadDouble(ref reader, out values[index]); break;
                        case 6: invalid |= !TryReadInt64(ref reader, out closeTime); break;
                        case 7: invalid |= !TryReadDouble(ref reader, out values[7]); break;
                        case 8: invalid |= !TryReadInt64(ref reader, out trades); break;
                        default: break;
                    }
                }

                index++;
            }

            if (index > 0 && openTime > lastRowOpen)
            {
                lastRowOpen = openTime;
            }

            if (index < 6)
            {
                onRejected(RejectReasons.MalformedRow, $"kline row has {index} fields, expected at least 6");
                continue;
            }

            if (invalid)
            {
                onRejected(RejectReasons.InvalidNumber, $"kline row at open time {openTime} has a non-numeric field");
                continue;
            }

            if (openTime % duration != 0 || (index >= 7 && closeTime != openTime + duration - 1 && closeTime != openTime + duration))
            {
                onRejected(RejectReasons.MalformedRow, $"kline row open {openTime} close {closeTime} is not a {timeframe.ToCode()} candle");
                continue;
            }

            var reason = MarketDataValidation.CheckBar(values[1], values[2], values[3], values[4], values[5]);
            if (reason is not null)
            {
                onRejected(reason, $"kline row at open time {openTime}");
                continue;
            }

            bars.Add(new OHLCVBar(source, symbol, timeframe, openTime, values[1], values[2], values[3], values[4], values[5], IsClosed: true)
            {
                QuoteVolume = index >= 8 ? values[7] : 0,
                TradeCount = index >= 9 ? trades : 0,
                ExchangeTimeMs = openTime + duration - 1,
                ReceivedTimeMs = receivedTimeMs,
            });
        }

        return new KlinePage(bars, rowCount, lastRowOpen);
    }

    internal static bool TryReadDouble(ref Utf8JsonReader reader, out double value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetDouble(out value) && double.IsFinite(value);
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                return Utf8Decimal.TryParse(reader.ValueSpan, out value);
            default:
                value = 0;
                return false;
        }
    }

    internal static bool TryReadInt64(ref Utf8JsonReader reader, out long value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out value);
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                var span = reader.ValueSpan;
                return Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length;
            default:
                value = 0;
                return false;
        }
    }
}
