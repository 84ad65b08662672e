using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData.Replay;

/// <summary>What one recording line turned out to be.</summary>
public enum RecordingLineKind
{
    /// <summary>A valid <c>@trade</c> message.</summary>
    Trade,

    /// <summary>Another stream (depth, bookTicker, ...) or a REST snapshot: not a trade, skipped without complaint.</summary>
    Other,

    /// <summary>A malformed line or trade message; the reason says why.</summary>
    Rejected,
}

/// <summary>
/// Reads trades from raw Binance WebSocket recordings in the hftbacktest layout: one message per line,
/// <c>&lt;local receive time, ns since epoch&gt; &lt;payload&gt;</c>, where the payload is a combined-stream message
/// <c>{"stream":"btcusdt@trade","data":{...}}</c> (or another stream, or a REST depth snapshot, both skipped).
/// Only <c>@trade</c> messages are taken. Parsing uses System.Text.Json: this is a replay/test path, not the live one.
/// </summary>
public static class BinanceRecordingReader
{
    /// <summary>
    /// Reads the trades of a recording in file order. <paramref name="symbol"/> (case-insensitive) keeps only that
    /// symbol's trades; null keeps all. Receive time is the recorder's clock, exchange time the trade time <c>T</c>.
    /// A malformed line is reported to <paramref name="onRejected"/> with its line number and reason, or throws
    /// a <see cref="FormatException"/> without a callback.
    /// </summary>
    public static IEnumerable<MarketTick> ReadTrades(string path, string source, string? symbol = null, Action<int, string>? onRejected = null)
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

            switch (ParseLine(line, source, out var tick, out var reason))
            {
                case RecordingLineKind.Trade when symbol is null || string.Equals(tick!.Symbol, symbol, StringComparison.OrdinalIgnoreCase):
                    yield return tick!;
                    break;
                case RecordingLineKind.Rejected:
                    if (onRejected is null)
                    {
                        throw new FormatException($"{path}: line {lineNumber}: {reason}");
                    }

                    onRejected(lineNumber, reason!);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>Classifies and parses one line; <paramref name="tick"/> is set for a trade, <paramref name="reason"/> for a rejection.</summary>
    public static RecordingLineKind ParseLine(string line, string source, out MarketTick? tick, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(line);
        tick = null;
        reason = null;
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            reason = "expected '<receive time ns> <payload>'";
            return RecordingLineKind.Rejected;
        }

        if (!long.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var receivedNs) || receivedNs <= 0)
        {
            reason = $"receive time '{line[..space]}' is not a positive integer";
            return RecordingLineKind.Rejected;
        }

        var payload = line.AsSpan(space + 1);

        // Depth and bookTicker lines are the bulk of a recording: classify them without parsing the JSON.
        if (payload.IndexOf("@trade\"", StringComparison.Ordinal) < 0)
        {
            return RecordingLineKind.Other;
        }

        if (!TryParseTrade(payload, source, receivedNs / 1_000_000, out tick, out var why))
        {
            reason = why;
            return RecordingLineKind.Rejected;
        }

        return RecordingLineKind.Trade;
    }

    private static bool TryParseTrade(ReadOnlySpan<char> payload, string source, long receivedMs, [NotNullWhen(true)] out MarketTick? tick, out string reason)
    {
        tick = null;
        try
        {
            using var doc = JsonDocument.Parse(payload.ToString());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("stream", out var stream) || stream.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                reason = "not a combined-stream message (stream, data)";
                return false;
            }

            if (!stream.GetString()!.EndsWith("@trade", StringComparison.Ordinal))
            {
                reason = $"stream '{stream.GetString()}' mentions @trade but is not a trade stream";
                return false;
            }

            if (!data.TryGetProperty("e", out var e) || e.ValueKind != JsonValueKind.String || e.GetString() != "trade")
            {
                reason = "trade message without e=\"trade\"";
                return false;
            }

            if (!data.TryGetProperty("s", out var s) || s.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(s.GetString()))
            {
                reason = "trade without symbol s";
                return false;
            }

            if (!data.TryGetProperty("t", out var t) || !t.TryGetInt64(out var tradeId) || tradeId < 0)
            {
                reason = "trade without a valid id t";
                return false;
            }

            if (!TryGetDecimalString(data, "p", out var price) || price <= 0)
            {
                reason = "trade price p missing, not a number or not positive";
                return false;
            }

            if (!TryGetDecimalString(data, "q", out var quantity) || quantity <= 0)
            {
                reason = "trade quantity q missing, not a number or not positive";
                return false;
            }

            if (!data.TryGetProperty("T", out var time) || !time.TryGetInt64(out var tradeTime) || tradeTime <= 0)
            {
                reason = "trade without a valid trade time T";
                return false;
            }

            if (!data.TryGetProperty("m", out var m) || (m.ValueKind != JsonValueKind.True && m.ValueKind != JsonValueKind.False))
            {
                reason = "trade without buyer-maker flag m";
                return false;
            }

            tick = new MarketTick(source, s.GetString()!.ToUpperInvariant(), tradeId, price, quantity, m.GetBoolean(), tradeTime, receivedMs);
            reason = string.Empty;
            return true;
        }
        catch (JsonException ex)
        {
            reason = $"malformed JSON: {ex.Message}";
            return false;
        }
    }

    /// <summary>Binance sends prices and quantities as JSON strings ("61837.63000000").</summary>
    private static bool TryGetDecimalString(JsonElement data, string name, out double value)
    {
        value = 0;
        return data.TryGetProperty(name, out var p)
            && p.ValueKind == JsonValueKind.String
            && double.TryParse(p.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }
}
