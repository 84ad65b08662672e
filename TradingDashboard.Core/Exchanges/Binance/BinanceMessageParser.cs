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
/// trade, aggTrade and kline_&lt;interval&gt; streams with a <see cref="Utf8JsonReader"/> over the received bytes: no
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
        try
        {
            var reader = new Utf8JsonReader(utf8Json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return BinanceParseResult.Reject(RejectReasons.MalformedJson, "message is not a JSON object");
            }

            ReadEventObject(ref reader, ref fields, allowEnvelope: true);
            if (reader.Read())
            {
                return BinanceParseResult.Reject(RejectReasons.MalformedJson, "trailing data after the JSON object");
            }
        }
        catch (JsonException ex)
        {
            return BinanceParseResult.Reject(RejectReasons.MalformedJson, ex.Message);
        }

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

        if (k.OpenTime % timeframe.DurationMs() != 0)
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

        var value = reader.ValueSpan;
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

        f.HasSymbol = true;
        if (f.SymbolRejected)
        {
            return;
        }

        // The kline's own "s" and the event's "s" must agree; a mismatch leaves the symbol unknown.
        if (_symbols.TryGet(reader.ValueSpan, out var symbol) && (f.Symbol is null || ReferenceEquals(f.Symbol, symbol)))
        {
            f.Symbol = symbol;
            return;
        }

        f.Symbol = null;
        f.UnknownSymbol = Encoding.UTF8.GetString(reader.ValueSpan.Length > 32 ? reader.ValueSpan[..32] : reader.ValueSpan);
        f.SymbolRejected = true;
    }

    private static void ReadInterval(ref Utf8JsonReader reader, ref KlineFields k)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return;
        }

        var value = reader.ValueSpan;
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
