using System.Text;
using System.Text.Json;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges.Binance;

/// <summary>What one Binance stream message turned out to be.</summary>
public enum BinanceMessageKind
{
    /// <summary>A trade or aggTrade event: <see cref="BinanceParseResult.Tick"/> is set.</summary>
    Trade,

    /// <summary>A kline event, forming or closed: <see cref="BinanceParseResult.Bar"/> is set.</summary>
    Kline,

    /// <summary>The server announced it will shut the connection down; reconnect now.</summary>
    ServerShutdown,

    /// <summary>Invalid input: <see cref="BinanceParseResult.RejectReason"/> says why.</summary>
    Rejected,
}

/// <summary>Outcome of parsing one message. Allocation-free apart from the record it carries.</summary>
public readonly struct BinanceParseResult
{
    private BinanceParseResult(BinanceMessageKind kind, MarketTick? tick, OHLCVBar? bar, string? reason, string? detail)
    {
        Kind = kind;
        Tick = tick;
        Bar = bar;
        RejectReason = reason;
        RejectDetail = detail;
    }

    public BinanceMessageKind Kind { get; }

    public MarketTick? Tick { get; }

    public OHLCVBar? Bar { get; }

    /// <summary>A <see cref="RejectReasons"/> code when <see cref="Kind"/> is Rejected.</summary>
    public string? RejectReason { get; }

    public string? RejectDetail { get; }

    internal static BinanceParseResult ForTick(MarketTick tick) => new(BinanceMessageKind.Trade, tick, null, null, null);

    internal static BinanceParseResult ForBar(OHLCVBar bar) => new(BinanceMessageKind.Kline, null, bar, null, null);

    internal static BinanceParseResult Shutdown() => new(BinanceMessageKind.ServerShutdown, null, null, null, null);

    internal static BinanceParseResult Reject(string reason, string detail) => new(BinanceMessageKind.Rejected, null, null, reason, detail);
}

/// <summary>
/// Parses Binance spot stream messages (combined-stream envelopes {"stream":..,"data":{..}} or raw events) for the
/// trade, aggTrade and kline_&lt;interval&gt; streams. Hot path: a forward scanner over the compact UTF-8 bytes Binance
/// sends (any key order; no whitespace, escapes, non-ASCII or unexpected value types), cheaper than the reader's
/// token walk; on anything it does not expect it gives up and the message is parsed afresh with a
/// <see cref="Utf8JsonReader"/>, so results and reject reasons are those of the reader path. Over the received bytes: no
/// string is allocated per field (the symbol maps to a cached string), only the resulting record. Checks the values
/// (numbers, positive prices, non-negative quantities, OHLC consistency, known symbol and interval); ordering of trade ids
/// is checked by the caller (<see cref="TradeSequenceGuard"/>). Immutable; thread-safe.
/// </summary>
public sealed class BinanceMessageParser
{
    public const string SourceName = "Binance";

    private readonly SymbolTable _symbols;

    public BinanceMessageParser(IEnumerable<string> symbols)
    {
        _symbols = new SymbolTable(symbols);
    }

    public IReadOnlyList<string> Symbols => _symbols.Symbols;

    private enum EventType : byte
    {
        None,
        Trade,
        AggTrade,
        Kline,
        ServerShutdown,
        Other,
    }

    /// <summary>Parses one complete message; never throws on bad input.</summary>
    /// <param name="receivedTimeMs">Local receive time stamped on the result.</param>
    public BinanceParseResult Parse(ReadOnlySpan<byte> utf8Json, long receivedTimeMs)
    {
        var fields = default(EventFields);
        if (!TryScanCompact(utf8Json, ref fields))
        {
            fields = default;
            if (!ReadWithJsonReader(utf8Json, ref fields, out var rejected))
            {
                return rejected;
            }
        }

        return Build(ref fields, receivedTimeMs);
    }

    /// <summary>Parses with <see cref="Utf8JsonReader"/> only (the general path the fast scanner falls back to).</summary>
    internal BinanceParseResult ParseWithJsonReader(ReadOnlySpan<byte> utf8Json, long receivedTimeMs)
    {
        var fields = default(EventFields);
        return ReadWithJsonReader(utf8Json, ref fields, out var rejected) ? Build(ref fields, receivedTimeMs) : rejected;
    }

    /// <summary>True when the fast scanner handles the message on its own (no fallback); for tests.</summary>
    internal bool FastScannerAccepts(ReadOnlySpan<byte> utf8Json)
    {
        var fields = default(EventFields);
        return TryScanCompact(utf8Json, ref fields);
    }

    private bool ReadWithJsonReader(ReadOnlySpan<byte> utf8Json, ref EventFields fields, out BinanceParseResult rejected)
    {
        rejected = default;
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                rejected = BinanceParseResult.Reject(RejectReasons.MalformedJson, "message is not a JSON object");
                return false;
            }

            ReadEventObject(ref reader, ref fields, allowEnvelope: true);
            if (reader.Read())
            {
                rejected = BinanceParseResult.Reject(RejectReasons.MalformedJson, "trailing data after the JSON object");
                return false;
            }
        }
        catch (JsonException ex)
        {
            rejected = BinanceParseResult.Reject(RejectReasons.MalformedJson, ex.Message);
            return false;
        }

        return true;
    }

    private BinanceParseResult Build(ref EventFields fields, long receivedTimeMs)
    {
        return fields.Event switch
        {
            EventType.Trade => BuildTick(ref fields, fields.TradeId, fields.HasTradeId, "t", receivedTimeMs),
            EventType.AggTrade => BuildTick(ref fields, fields.AggId, fields.HasAggId, "a", receivedTimeMs),
            EventType.Kline => BuildBar(ref fields, receivedTimeMs),
            EventType.ServerShutdown => BinanceParseResult.Shutdown(),
            EventType.None => BinanceParseResult.Reject(RejectReasons.UnknownEvent, "message has no event type"),
            _ => BinanceParseResult.Reject(RejectReasons.UnknownEvent, "event type " + fields.EventName),
        };
    }

    private BinanceParseResult BuildTick(ref EventFields f, long id, bool hasId, string idField, long receivedTimeMs)
    {
        if (f.InvalidField is not null)
        {
            return BinanceParseResult.Reject(RejectReasons.InvalidNumber, "field '" + f.InvalidField + "' is not a number");
        }

        if (!hasId || !f.HasPrice || !f.HasQuantity || !f.HasTradeTime || !f.HasSymbol)
        {
            var missing = !hasId ? idField : !f.HasPrice ? "p" : !f.HasQuantity ? "q" : !f.HasTradeTime ? "T" : "s";
            return BinanceParseResult.Reject(RejectReasons.MalformedJson, "missing field '" + missing + "'");
        }

        if (f.Symbol is null)
        {
            return BinanceParseResult.Reject(RejectReasons.UnknownSymbol, "symbol " + f.UnknownSymbol);
        }

        var reason = MarketDataValidation.CheckTrade(f.Price, f.Quantity);
        if (reason is not null)
        {
            return BinanceParseResult.Reject(reason, "trade " + idField + "=" + id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return BinanceParseResult.ForTick(new MarketTick(SourceName, f.Symbol, id, f.Price, f.Quantity, f.BuyerMaker, f.TradeTime, receivedTimeMs));
    }

    private static BinanceParseResult BuildBar(ref EventFields f, long receivedTimeMs)
    {
        if (f.InvalidField is not null)
        {
            return BinanceParseResult.Reject(RejectReasons.InvalidNumber, "field '" + f.InvalidField + "' is not a number");
        }

        if (!f.HasKline || !f.K.HasOpenTime || !f.K.HasOhlcv || !f.K.HasClosed || !f.HasSymbol)
        {
            return BinanceParseResult.Reject(RejectReasons.MalformedJson, "kline event misses one of s, k.t, k.o/h/l/c/v, k.x");
        }

        if (f.Symbol is null)
        {
            return BinanceParseResult.Reject(RejectReasons.UnknownSymbol, "symbol " + f.UnknownSymbol);
        }

        if (f.K.Interval is not { } timeframe)
        {
            return BinanceParseResult.Reject(RejectReasons.UnknownEvent, "kline interval " + (f.K.IntervalName ?? "missing"));
        }

        ref var k = ref f.K;
        var reason = MarketDataValidation.CheckBar(k.Open, k.High, k.Low, k.Close, k.Volume);
        if (reason is not null)
        {
            return BinanceParseResult.Reject(reason, "kline open time " + k.OpenTime.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!OnGrid(k.OpenTime, timeframe))
        {
            return BinanceParseResult.Reject(RejectReasons.MalformedJson, "kline open time is not on the interval grid");
        }

        return BinanceParseResult.ForBar(new OHLCVBar(SourceName, f.Symbol, timeframe, k.OpenTime, k.Open, k.High, k.Low, k.Close, k.Volume, k.Closed)
        {
            QuoteVolume = k.QuoteVolume,
            TradeCount = k.TradeCount,
            ExchangeTimeMs = f.HasEventTime ? f.EventTime : k.OpenTime,
            ReceivedTimeMs = receivedTimeMs,
        });
    }

    /// <summary>Open time on the interval grid. Constant divisors: the JIT turns each into a multiply, not a 64-bit division.</summary>
    private static bool OnGrid(long openTimeMs, Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneSecond => openTimeMs % 1_000L == 0,
        Timeframe.OneMinute => openTimeMs % 60_000L == 0,
        Timeframe.OneHour => openTimeMs % 3_600_000L == 0,
        Timeframe.OneDay => openTimeMs % 86_400_000L == 0,
        _ => openTimeMs % timeframe.DurationMs() == 0,
    };

    private void ReadEventObject(ref Utf8JsonReader reader, ref EventFields f, bool allowEnvelope)
    {
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return;
            }

            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                throw new JsonException("expected a property name");
            }

            var name = reader.ValueSpan;
            if (!reader.Read())
            {
                throw new JsonException("truncated message");
            }

            if (name.Length == 1)
            {
                switch (name[0])
                {
                    case (byte)'e': ReadEventType(ref reader, ref f); continue;
                    case (byte)'E': f.HasEventTime = ReadInt64(ref reader, ref f, "E", out f.EventTime); continue;
                    case (byte)'s': ReadSymbol(ref reader, ref f); continue;
                    case (byte)'t': f.HasTradeId = ReadInt64(ref reader, ref f, "t", out f.TradeId); continue;
                    case (byte)'a':
                        // "a" is the aggregate trade id in aggTrade events; older trade events used it for the seller
                        // order id, so it is only taken as an id when the event says aggTrade.
                        f.HasAggId = ReadInt64(ref reader, ref f, "a", out f.AggId);
                        continue;
                    case (byte)'p': f.HasPrice = ReadDouble(ref reader, ref f, "p", out f.Price); continue;
                    case (byte)'q': f.HasQuantity = ReadDouble(ref reader, ref f, "q", out f.Quantity); continue;
                    case (byte)'T': f.HasTradeTime = ReadInt64(ref reader, ref f, "T", out f.TradeTime); continue;
                    case (byte)'m': f.BuyerMaker = ReadBool(ref reader); continue;
                    case (byte)'k':
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new JsonException("'k' is not an object");
                        }

                        f.HasKline = true;
                        ReadKline(ref reader, ref f);
                        continue;
                    default:
                        reader.Skip();
                        continue;
                }
            }

            if (allowEnvelope && reader.TokenType == JsonTokenType.StartObject && name.SequenceEqual("data"u8))
            {
                ReadEventObject(ref reader, ref f, allowEnvelope: false);
                continue;
            }

            reader.Skip();
        }

        throw new JsonException("truncated message");
    }

    private void ReadKline(ref Utf8JsonReader reader, ref EventFields f)
    {
        ref var k = ref f.K;
        var ohlcv = 0;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                k.HasOhlcv = ohlcv == 0b11111;
                return;
            }

            var name = reader.ValueSpan;
            if (!reader.Read())
            {
                throw new JsonException("truncated message");
            }

            if (name.Length != 1)
            {
                reader.Skip();
                continue;
            }

            switch (name[0])
            {
                case (byte)'t': k.HasOpenTime = ReadInt64(ref reader, ref f, "k.t", out k.OpenTime); break;
                case (byte)'o': ohlcv |= ReadDouble(ref reader, ref f, "k.o", out k.Open) ? 1 : 0; break;
                case (byte)'h': ohlcv |= ReadDouble(ref reader, ref f, "k.h", out k.High) ? 2 : 0; break;
                case (byte)'l': ohlcv |= ReadDouble(ref reader, ref f, "k.l", out k.Low) ? 4 : 0; break;
                case (byte)'c': ohlcv |= ReadDouble(ref reader, ref f, "k.c", out k.Close) ? 8 : 0; break;
                case (byte)'v': ohlcv |= ReadDouble(ref reader, ref f, "k.v", out k.Volume) ? 16 : 0; break;
                case (byte)'q': ReadDouble(ref reader, ref f, "k.q", out k.QuoteVolume); break;
                case (byte)'n': ReadInt64(ref reader, ref f, "k.n", out k.TradeCount); break;
                case (byte)'x': k.Closed = ReadBool(ref reader); k.HasClosed = reader.TokenType is JsonTokenType.True or JsonTokenType.False; break;
                case (byte)'s': ReadSymbol(ref reader, ref f); break;
                case (byte)'i': ReadInterval(ref reader, ref k); break;
                default: reader.Skip(); break;
            }
        }

        throw new JsonException("truncated message");
    }

    private static void ReadEventType(ref Utf8JsonReader reader, ref EventFields f)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            f.Event = EventType.Other;
            f.EventName = "(not a string)";
            reader.Skip();
            return;
        }

        ApplyEventType(reader.ValueSpan, ref f);
    }

    private static void ApplyEventType(ReadOnlySpan<byte> value, ref EventFields f)
    {
        f.Event = value.SequenceEqual("aggTrade"u8) ? EventType.AggTrade
            : value.SequenceEqual("trade"u8) ? EventType.Trade
            : value.SequenceEqual("kline"u8) ? EventType.Kline
            : value.SequenceEqual("serverShutdown"u8) ? EventType.ServerShutdown
            : EventType.Other;
        if (f.Event == EventType.Other)
        {
            // Rejected messages only: the name is needed for the log line.
            f.EventName = Encoding.UTF8.GetString(value.Length > 64 ? value[..64] : value);
        }
    }

    private void ReadSymbol(ref Utf8JsonReader reader, ref EventFields f)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return;
        }

        ApplySymbol(reader.ValueSpan, ref f);
    }

    private void ApplySymbol(ReadOnlySpan<byte> value, ref EventFields f)
    {
        f.HasSymbol = true;
        if (f.SymbolRejected)
        {
            return;
        }

        // The kline's own "s" and the event's "s" must agree; a mismatch leaves the symbol unknown.
        if (_symbols.TryGet(value, out var symbol) && (f.Symbol is null || ReferenceEquals(f.Symbol, symbol)))
        {
            f.Symbol = symbol;
            return;
        }

        f.Symbol = null;
        f.UnknownSymbol = Encoding.UTF8.GetString(value.Length > 32 ? value[..32] : value);
        f.SymbolRejected = true;
    }

    private static void ReadInterval(ref Utf8JsonReader reader, ref KlineFields k)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return;
        }

        ApplyInterval(reader.ValueSpan, ref k);
    }

    private static void ApplyInterval(ReadOnlySpan<byte> value, ref KlineFields k)
    {
        k.Interval = value.SequenceEqual("1m"u8) ? Timeframe.OneMinute
            : value.SequenceEqual("1s"u8) ? Timeframe.OneSecond
            : value.SequenceEqual("1h"u8) ? Timeframe.OneHour
            : value.SequenceEqual("1d"u8) ? Timeframe.OneDay
            : null;
        if (k.Interval is null)
        {
            k.IntervalName = Encoding.UTF8.GetString(value.Length > 16 ? value[..16] : value);
        }
    }

    private static bool ReadDouble(ref Utf8JsonReader reader, ref EventFields f, string field, out double value)
    {
        if (KlineArrayParser.TryReadDouble(ref reader, out value))
        {
            return true;
        }

        reader.Skip();
        f.InvalidField ??= field;
        return false;
    }

    private static bool ReadInt64(ref Utf8JsonReader reader, ref EventFields f, string field, out long value)
    {
        if (KlineArrayParser.TryReadInt64(ref reader, out value))
        {
            return true;
        }

        reader.Skip();
        f.InvalidField ??= field;
        return false;
    }

    private static bool ReadBool(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True: return true;
            case JsonTokenType.False: return false;
            default: reader.Skip(); return false;
        }
    }

    // ---- Fast path: a forward scanner for the compact JSON Binance sends (no whitespace, no escapes, ASCII only,
    // only scalar values apart from the "data" envelope and the "k" object). It fills the same EventFields through the
    // same Apply* helpers; on anything else it returns false and the Utf8JsonReader path parses the message afresh, so
    // results and reject reasons do not depend on which path ran.
    private enum ScanToken : byte
    {
        Invalid,
        String,
        Number,
        True,
        False,
        Null,
        StartObject,
    }

    private bool TryScanCompact(ReadOnlySpan<byte> json, ref EventFields f)
    {
        if (json.IsEmpty || json[0] != (byte)'{')
        {
            return false;
        }

        var pos = 1;
        return ScanEventObject(json, ref pos, ref f, allowEnvelope: true) && pos == json.Length;
    }

    /// <summary>Scans the members of an object; <paramref name="pos"/> starts just after its '{'.</summary>
    private bool ScanEventObject(ReadOnlySpan<byte> json, ref int pos, ref EventFields f, bool allowEnvelope)
    {
        if ((uint)pos < (uint)json.Length && json[pos] == (byte)'}')
        {
            pos++;
            return true;
        }

        while (true)
        {
            if (!ScanName(json, ref pos, out var name))
            {
                return false;
            }

            // Prices and quantities: digits are parsed while the string is scanned (one pass).
            if (name.Length == 1 && name[0] is (byte)'p' or (byte)'q')
            {
                if (name[0] == (byte)'p')
                {
                    if (!ScanDecimalValue(json, ref pos, out f.Price))
                    {
                        return false;
                    }

                    f.HasPrice = true;
                }
                else
                {
                    if (!ScanDecimalValue(json, ref pos, out f.Quantity))
                    {
                        return false;
                    }

                    f.HasQuantity = true;
                }

                if (!ScanMemberEnd(json, ref pos, out var closed))
                {
                    return false;
                }

                if (closed)
                {
                    return true;
                }

                continue;
            }

            var token = ScanValue(json, ref pos, out var value, out var number);
            if (token == ScanToken.Invalid)
            {
                return false;
            }

            if (name.Length == 1)
            {
                switch (name[0])
                {
                    case (byte)'e':
                        if (token != ScanToken.String)
                        {
                            return false;
                        }

                        ApplyEventType(value, ref f);
                        break;
                    case (byte)'E': if (!ScanInt64(token, value, number, out f.EventTime)) { return false; } f.HasEventTime = true; break;
                    case (byte)'s':
                        if (token != ScanToken.String)
                        {
                            return false;
                        }

                        ApplySymbol(value, ref f);
                        break;
                    case (byte)'t': if (!ScanInt64(token, value, number, out f.TradeId)) { return false; } f.HasTradeId = true; break;
                    case (byte)'a': if (!ScanInt64(token, value, number, out f.AggId)) { return false; } f.HasAggId = true; break;
                    case (byte)'T': if (!ScanInt64(token, value, number, out f.TradeTime)) { return false; } f.HasTradeTime = true; break;
                    case (byte)'m':
                        if (token is not (ScanToken.True or ScanToken.False))
                        {
                            return false;
                        }

                        f.BuyerMaker = token == ScanToken.True;
                        break;
                    case (byte)'k':
                        if (token != ScanToken.StartObject || !ScanKline(json, ref pos, ref f))
                        {
                            return false;
                        }

                        f.HasKline = true;
                        break;
                    default:
                        if (token == ScanToken.StartObject)
                        {
                            return false;
                        }

                        break;
                }
            }
            else if (token == ScanToken.StartObject)
            {
                if (!allowEnvelope || !name.SequenceEqual("data"u8) || !ScanEventObject(json, ref pos, ref f, allowEnvelope: false))
                {
                    return false;
                }
            }

            if (!ScanMemberEnd(json, ref pos, out var end))
            {
                return false;
            }

            if (end)
            {
                return true;
            }
        }
    }

    /// <summary>After a member's value: ',' (another member follows) or '}' (<paramref name="closed"/>); false on anything else.</summary>
    private static bool ScanMemberEnd(ReadOnlySpan<byte> json, ref int pos, out bool closed)
    {
        closed = false;
        if ((uint)pos >= (uint)json.Length)
        {
            return false;
        }

        var next = json[pos++];
        if (next == (byte)'}')
        {
            closed = true;
            return true;
        }

        return next == (byte)',';
    }

    private bool ScanKline(ReadOnlySpan<byte> json, ref int pos, ref EventFields f)
    {
        // pos is just after the '{' of "k" (ScanValue consumed it).
        ref var k = ref f.K;
        var ohlcv = 0;
        if ((uint)pos < (uint)json.Length && json[pos] == (byte)'}')
        {
            pos++;
            k.HasOhlcv = false;
            return true;
        }

        while (true)
        {
            if (!ScanName(json, ref pos, out var name))
            {
                return false;
            }

            // Prices and volumes: digits are parsed while the string is scanned (one pass).
            if (name.Length == 1 && KlineDecimalBit(name[0]) is var bit and not 0)
            {
                if (!ScanDecimalValue(json, ref pos, out var parsed))
                {
                    return false;
                }

                switch (bit)
                {
                    case 1: k.Open = parsed; break;
                    case 2: k.High = parsed; break;
                    case 4: k.Low = parsed; break;
                    case 8: k.Close = parsed; break;
                    case 16: k.Volume = parsed; break;
                    default: k.QuoteVolume = parsed; break;
                }

                ohlcv |= bit & 0b11111;
            }
            else
            {
                var token = ScanValue(json, ref pos, out var value, out var number);
                if (token is ScanToken.Invalid or ScanToken.StartObject)
                {
                    return false;
                }

                if (name.Length == 1 && !ScanKlineScalar(name[0], token, value, number, ref f))
                {
                    return false;
                }
            }

            if (!ScanMemberEnd(json, ref pos, out var closed))
            {
                return false;
            }

            if (closed)
            {
                k.HasOhlcv = ohlcv == 0b11111;
                return true;
            }
        }
    }

    /// <summary>The ohlcv bit of a kline decimal field (o h l c v; 32 for q, which is not required), or 0.</summary>
    private static int KlineDecimalBit(byte name) => name switch
    {
        (byte)'o' => 1,
        (byte)'h' => 2,
        (byte)'l' => 4,
        (byte)'c' => 8,
        (byte)'v' => 16,
        (byte)'q' => 32,
        _ => 0,
    };

    /// <summary>A kline member other than the decimals; false when its value is not what the fast path takes.</summary>
    private bool ScanKlineScalar(byte name, ScanToken token, ReadOnlySpan<byte> value, long number, ref EventFields f)
    {
        ref var k = ref f.K;
        switch (name)
        {
            case (byte)'t':
                k.HasOpenTime = ScanInt64(token, value, number, out k.OpenTime);
                return k.HasOpenTime;
            case (byte)'n':
                return ScanInt64(token, value, number, out k.TradeCount);
            case (byte)'x':
                if (token is not (ScanToken.True or ScanToken.False))
                {
                    return false;
                }

                k.Closed = token == ScanToken.True;
                k.HasClosed = true;
                return true;
            case (byte)'s':
                if (token != ScanToken.String)
                {
                    return false;
                }

                ApplySymbol(value, ref f);
                return true;
            case (byte)'i':
                if (token != ScanToken.String)
                {
                    return false;
                }

                ApplyInterval(value, ref k);
                return true;
            default:
                return true;
        }
    }

    /// <summary>Reads "name": (quote, plain ASCII name, quote, colon).</summary>
    private static bool ScanName(ReadOnlySpan<byte> json, ref int pos, out ReadOnlySpan<byte> name)
    {
        // Binance's event fields are one letter: "x": checked in place.
        if ((uint)(pos + 3) < (uint)json.Length && json[pos] == (byte)'"' && json[pos + 2] == (byte)'"' && json[pos + 3] == (byte)':'
            && json[pos + 1] is >= 0x20 and < 0x80 and not (byte)'"' and not (byte)'\\')
        {
            name = json.Slice(pos + 1, 1);
            pos += 4;
            return true;
        }

        name = default;
        if ((uint)pos >= (uint)json.Length || json[pos] != (byte)'"')
        {
            return false;
        }

        var start = pos + 1;
        var end = ScanStringEnd(json, start);
        if (end < 0 || end + 1 >= json.Length || json[end + 1] != (byte)':')
        {
            return false;
        }

        name = json[start..end];
        pos = end + 2;
        return true;
    }

    /// <summary>Index of the closing quote of a plain string starting at <paramref name="start"/>, or -1 (escape,
    /// control character, non-ASCII byte or end of input).</summary>
    private static int ScanStringEnd(ReadOnlySpan<byte> json, int start)
    {
        if ((uint)start > (uint)json.Length)
        {
            return -1;
        }

        // Vectorized: the first byte that ends or disqualifies a plain string.
        var offset = json[start..].IndexOfAny(StringStops);
        return offset >= 0 && json[start + offset] == (byte)'"' ? start + offset : -1;
    }

    /// <summary>The quote that ends a plain string, and what sends a string to the reader: escapes, control characters, non-ASCII.</summary>
    private static readonly System.Buffers.SearchValues<byte> StringStops = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(b => (byte)b), (byte)'"', (byte)'\\', .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    /// <summary>Marks a number token whose integer value was not computed (more than 18 digits): parse its text instead.</summary>
    private const long NoNumber = long.MinValue;

    /// <summary>
    /// Scans one value. For a number token, <paramref name="number"/> is its integer value when it has at most 18 digits
    /// (so it cannot overflow), else <see cref="NoNumber"/>.
    /// </summary>
    private static ScanToken ScanValue(ReadOnlySpan<byte> json, ref int pos, out ReadOnlySpan<byte> value, out long number)
    {
        value = default;
        number = NoNumber;
        if ((uint)pos >= (uint)json.Length)
        {
            return ScanToken.Invalid;
        }

        var c = json[pos];
        switch (c)
        {
            case (byte)'"':
                var end = ScanStringEnd(json, pos + 1);
                if (end < 0)
                {
                    return ScanToken.Invalid;
                }

                value = json[(pos + 1)..end];
                pos = end + 1;
                return ScanToken.String;
            case (byte)'{':
                pos++;
                return ScanToken.StartObject;
            case (byte)'t':
                return ScanLiteral(json, ref pos, "true"u8) ? ScanToken.True : ScanToken.Invalid;
            case (byte)'f':
                return ScanLiteral(json, ref pos, "false"u8) ? ScanToken.False : ScanToken.Invalid;
            case (byte)'n':
                return ScanLiteral(json, ref pos, "null"u8) ? ScanToken.Null : ScanToken.Invalid;
            default:
                // Integers only (-?(0|[1-9][0-9]*)); fractions and exponents go to the reader.
                var start = pos;
                var i = pos;
                if (c == (byte)'-')
                {
                    i++;
                }

                var digitsStart = i;
                long magnitude = 0;
                uint d;
                while (i < json.Length && (d = (uint)(json[i] - '0')) <= 9)
                {
                    magnitude = unchecked((magnitude * 10) + d);
                    i++;
                }

                var digits = i - digitsStart;
                if (digits == 0 || (digits > 1 && json[digitsStart] == (byte)'0'))
                {
                    return ScanToken.Invalid;
                }

                if (digits <= 18)
                {
                    number = c == (byte)'-' ? -magnitude : magnitude;
                }

                value = json[start..i];
                pos = i;
                return ScanToken.Number;
        }
    }

    private static bool ScanLiteral(ReadOnlySpan<byte> json, ref int pos, ReadOnlySpan<byte> literal)
    {
        if (!json[pos..].StartsWith(literal))
        {
            return false;
        }

        pos += literal.Length;
        return true;
    }

    private static bool ScanInt64(ScanToken token, ReadOnlySpan<byte> value, long number, out long result)
    {
        if (token == ScanToken.Number && number != NoNumber)
        {
            result = number;
            return true;
        }

        result = 0;
        return token is ScanToken.Number or ScanToken.String
            && System.Buffers.Text.Utf8Parser.TryParse(value, out result, out var consumed) && consumed == value.Length;
    }

    private static bool ScanDouble(ScanToken token, ReadOnlySpan<byte> value, long number, out double result)
    {
        // A positive integer up to 2^53 converts exactly: the same double the text parses to ("-0" keeps the parser: its sign).
        if (token == ScanToken.Number && number is > 0 and <= MaxExactInteger)
        {
            result = number;
            return true;
        }

        result = 0;
        return token switch
        {
            ScanToken.String => Utf8Decimal.TryParse(value, out result),
            ScanToken.Number => System.Buffers.Text.Utf8Parser.TryParse(value, out result, out var consumed)
                && consumed == value.Length && double.IsFinite(result),
            _ => false,
        };
    }

    private const long MaxExactInteger = 1L << 53;

    /// <summary>
    /// A price or quantity value: a quoted plain decimal is parsed in the same pass that finds its closing quote, with
    /// exactly <see cref="Utf8Decimal"/>'s fast-path rules (so the same double); anything else (unquoted, exponent,
    /// escapes, too many digits) is scanned and parsed as before.
    /// </summary>
    private static bool ScanDecimalValue(ReadOnlySpan<byte> json, ref int pos, out double result)
    {
        if (TryScanQuotedDecimal(json, ref pos, out result))
        {
            return true;
        }

        var token = ScanValue(json, ref pos, out var value, out var number);
        return token is not (ScanToken.Invalid or ScanToken.StartObject) && ScanDouble(token, value, number, out result);
    }

    /// <summary>Powers of ten that are exact doubles (10^0 to 10^22).</summary>
    private static ReadOnlySpan<double> PowersOf10 =>
    [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];

    /// <summary>
    /// "-?digits[.digits]" with at most 19 significant digits, a mantissa up to 2^53 and at most 22 fraction digits:
    /// mantissa / 10^k is then one correctly rounded division (the decimal's nearest double). Leaves
    /// <paramref name="pos"/> after the closing quote; returns false, moving nothing, for anything else.
    /// </summary>
    private static bool TryScanQuotedDecimal(ReadOnlySpan<byte> json, ref int pos, out double result)
    {
        result = 0;
        var i = pos;
        if ((uint)i >= (uint)json.Length || json[i] != (byte)'"')
        {
            return false;
        }

        i++;
        var negative = false;
        if ((uint)i < (uint)json.Length && json[i] == (byte)'-')
        {
            negative = true;
            i++;
        }

        ulong mantissa = 0;
        var digits = 0;
        var significant = 0;
        var pointAt = -1;
        while (true)
        {
            if ((uint)i >= (uint)json.Length)
            {
                return false;
            }

            var c = json[i];
            var d = (uint)(c - '0');
            if (d <= 9)
            {
                digits++;
                if (mantissa != 0 || d != 0)
                {
                    significant++;
                }

                mantissa = (mantissa * 10) + d;
            }
            else if (c == (byte)'"')
            {
                break;
            }
            else if (c != (byte)'.' || pointAt >= 0)
            {
                return false;
            }
            else
            {
                pointAt = digits;
            }

            i++;
        }

        // Checked once at the end: more than 19 significant digits may have wrapped the mantissa, so they are refused too.
        var fractionDigits = pointAt < 0 ? 0 : digits - pointAt;
        if (digits == 0 || significant > 19 || mantissa > (ulong)MaxExactInteger || fractionDigits >= PowersOf10.Length)
        {
            return false;
        }

        result = fractionDigits == 0 ? mantissa : mantissa / PowersOf10[fractionDigits];
        if (negative)
        {
            result = -result;
        }

        pos = i + 1;
        return true;
    }


    private struct EventFields
    {
        public EventType Event;
        public string? EventName;
        public bool HasEventTime;
        public long EventTime;
        public bool HasSymbol;
        public string? Symbol;
        public string? UnknownSymbol;
        public bool SymbolRejected;
        public bool HasTradeId;
        public long TradeId;
        public bool HasAggId;
        public long AggId;
        public bool HasPrice;
        public double Price;
        public bool HasQuantity;
        public double Quantity;
        public bool HasTradeTime;
        public long TradeTime;
        public bool BuyerMaker;
        public bool HasKline;
        public KlineFields K;
        public string? InvalidField;
    }

    private struct KlineFields
    {
        public bool HasOpenTime;
        public long OpenTime;
        public bool HasOhlcv;
        public double Open;
        public double High;
        public double Low;
        public double Close;
        public double Volume;
        public double QuoteVolume;
        public long TradeCount;
        public bool HasClosed;
        public bool Closed;
        public Timeframe? Interval;
        public string? IntervalName;
    }
}
