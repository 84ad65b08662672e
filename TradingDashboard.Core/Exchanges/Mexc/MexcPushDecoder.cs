using Google.Protobuf;

namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>Which body of the PushDataV3ApiWrapper oneof a message carried.</summary>
public enum MexcPushBody
{
    None,

    /// <summary>publicDeals (field 301), the older spot@public.deals.v3.api.pb channel.</summary>
    Deals,

    /// <summary>publicSpotKline (field 308), spot@public.kline.v3.api.pb@SYMBOL@Min1.</summary>
    Kline,

    /// <summary>publicAggreDeals (field 314), spot@public.aggre.deals.v3.api.pb@100ms@SYMBOL.</summary>
    AggreDeals,

    /// <summary>Any other body (depth, book ticker, private data): not used here.</summary>
    Other,
}

/// <summary>One trade of a deals body. Prices and quantities are the venue's decimal strings, unparsed.</summary>
/// <param name="TradeType">1 = buy (taker bought), 2 = sell.</param>
/// <param name="TimeMs">Trade time, Unix ms.</param>
/// <param name="TradeId">Trade id where MEXC sends one (field 5 of newer aggre deals items), else null.</param>
public sealed record MexcDeal(string Price, string Quantity, int TradeType, long TimeMs, string? TradeId);

/// <summary>A publicSpotKline body. Window times are Unix seconds, as MEXC sends them.</summary>
public sealed record MexcKline(
    string Interval,
    long WindowStartSeconds,
    string OpeningPrice,
    string ClosingPrice,
    string HighestPrice,
    string LowestPrice,
    string Volume,
    string Amount,
    long WindowEndSeconds);

/// <summary>A decoded PushDataV3ApiWrapper.</summary>
public sealed record MexcPushMessage(
    string Channel,
    string? Symbol,
    long CreateTimeMs,
    long SendTimeMs,
    MexcPushBody Body,
    int BodyFieldNumber,
    IReadOnlyList<MexcDeal> Deals,
    MexcKline? Kline);

/// <summary>
/// Decodes MEXC's protobuf spot push (PushDataV3ApiWrapper) with Google.Protobuf's <see cref="CodedInputStream"/>,
/// following the field numbers MEXC publishes in github.com/mexcdevelop/websocket-proto:
/// wrapper: channel = 1, oneof body { publicDeals = 301, publicSpotKline = 308, publicAggreDeals = 314, ... },
/// symbol = 3, symbolId = 4, createTime = 5, sendTime = 6;
/// deals (PublicDealsV3Api / PublicAggreDealsV3Api): repeated item deals = 1, eventType = 2;
/// deal item: price = 1, quantity = 2, tradeType = 3, time = 4 (tradeId = 5 in the newest aggre-deals definition);
/// kline (PublicSpotKlineV3Api): interval = 1, windowStart = 2, openingPrice = 3, closingPrice = 4, highestPrice = 5,
/// lowestPrice = 6, volume = 7, amount = 8, windowEnd = 9.
/// Unknown fields and fields with an unexpected wire type are skipped. Stateless.
/// </summary>
public static class MexcPushDecoder
{
    public const int ChannelField = 1;
    public const int SymbolField = 3;
    public const int SymbolIdField = 4;
    public const int CreateTimeField = 5;
    public const int SendTimeField = 6;
    public const int PublicDealsField = 301;
    public const int PublicSpotKlineField = 308;
    public const int PublicAggreDealsField = 314;

    /// <exception cref="InvalidProtocolBufferException">The bytes are not a valid protobuf message.</exception>
    public static MexcPushMessage Decode(byte[] buffer, int offset, int length)
    {
        var input = new CodedInputStream(buffer, offset, length);
        var channel = string.Empty;
        string? symbol = null;
        long createTime = 0;
        long sendTime = 0;
        var body = MexcPushBody.None;
        var bodyField = 0;
        IReadOnlyList<MexcDeal> deals = [];
        MexcKline? kline = null;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            var wire = WireFormat.GetTagWireType(tag);
            switch (field)
            {
                case ChannelField when wire == WireFormat.WireType.LengthDelimited:
                    channel = input.ReadString();
                    break;
                case SymbolField when wire == WireFormat.WireType.LengthDelimited:
                    symbol = input.ReadString();
                    break;
                case CreateTimeField when wire == WireFormat.WireType.Varint:
                    createTime = input.ReadInt64();
                    break;
                case SendTimeField when wire == WireFormat.WireType.Varint:
                    sendTime = input.ReadInt64();
                    break;
                case PublicDealsField or PublicAggreDealsField when wire == WireFormat.WireType.LengthDelimited:
                    body = field == PublicDealsField ? MexcPushBody.Deals : MexcPushBody.AggreDeals;
                    bodyField = field;
                    kline = null;
                    deals = ReadDeals(input.ReadBytes());
                    break;
                case PublicSpotKlineField when wire == WireFormat.WireType.LengthDelimited:
                    body = MexcPushBody.Kline;
                    bodyField = field;
                    deals = [];
                    kline = ReadKline(input.ReadBytes());
                    break;
                case > 300 and < 400 when wire == WireFormat.WireType.LengthDelimited:
                    body = MexcPushBody.Other;
                    bodyField = field;
                    deals = [];
                    kline = null;
                    input.SkipLastField();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return new MexcPushMessage(channel, symbol, createTime, sendTime, body, bodyField, deals, kline);
    }

    public static MexcPushMessage Decode(byte[] buffer) => Decode(buffer, 0, buffer?.Length ?? throw new ArgumentNullException(nameof(buffer)));

    private static List<MexcDeal> ReadDeals(ByteString bytes)
    {
        var deals = new List<MexcDeal>();
        var input = bytes.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                deals.Add(ReadDeal(input.ReadBytes()));
            }
            else
            {
                input.SkipLastField();
            }
        }

        return deals;
    }

    private static MexcDeal ReadDeal(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string price = string.Empty, quantity = string.Empty;
        string? tradeId = null;
        var tradeType = 0;
        long time = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var wire = WireFormat.GetTagWireType(tag);
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when wire == WireFormat.WireType.LengthDelimited: price = input.ReadString(); break;
                case 2 when wire == WireFormat.WireType.LengthDelimited: quantity = input.ReadString(); break;
                case 3 when wire == WireFormat.WireType.Varint: tradeType = input.ReadInt32(); break;
                case 4 when wire == WireFormat.WireType.Varint: time = input.ReadInt64(); break;
                case 5 when wire == WireFormat.WireType.LengthDelimited: tradeId = input.ReadString(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new MexcDeal(price, quantity, tradeType, time, tradeId);
    }

    private static MexcKline ReadKline(ByteString bytes)
    {
        var input = bytes.CreateCodedInput();
        string interval = string.Empty, open = string.Empty, close = string.Empty, high = string.Empty, low = string.Empty, volume = string.Empty, amount = string.Empty;
        long start = 0, end = 0;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var wire = WireFormat.GetTagWireType(tag);
            var isString = wire == WireFormat.WireType.LengthDelimited;
            var isVarint = wire == WireFormat.WireType.Varint;
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1 when isString: interval = input.ReadString(); break;
                case 2 when isVarint: start = input.ReadInt64(); break;
                case 3 when isString: open = input.ReadString(); break;
                case 4 when isString: close = input.ReadString(); break;
                case 5 when isString: high = input.ReadString(); break;
                case 6 when isString: low = input.ReadString(); break;
                case 7 when isString: volume = input.ReadString(); break;
                case 8 when isString: amount = input.ReadString(); break;
                case 9 when isVarint: end = input.ReadInt64(); break;
                default: input.SkipLastField(); break;
            }
        }

        return new MexcKline(interval, start, open, close, high, low, volume, amount, end);
    }
}
