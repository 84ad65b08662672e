using Google.Protobuf;

namespace TradingDashboard.Tests.Exchanges;

/// <summary>
/// Encodes MEXC push messages field by field with CodedOutputStream, following the field numbers MEXC publishes
/// (github.com/mexcdevelop/websocket-proto), independently of the decoder under test.
/// </summary>
public static class MexcProtoWriter
{
    private const WireFormat.WireType Bytes = WireFormat.WireType.LengthDelimited;
    private const WireFormat.WireType Varint = WireFormat.WireType.Varint;

    public static byte[] Deal(string price, string quantity, int tradeType, long timeMs, string? tradeId = null) => Encode(o =>
    {
        o.WriteTag(1, Bytes);
        o.WriteString(price);
        o.WriteTag(2, Bytes);
        o.WriteString(quantity);
        o.WriteTag(3, Varint);
        o.WriteInt32(tradeType);
        o.WriteTag(4, Varint);
        o.WriteInt64(timeMs);
        if (tradeId is not null)
        {
            o.WriteTag(5, Bytes);
            o.WriteString(tradeId);
        }
    });

    public static byte[] Deals(string eventType, params byte[][] items) => Encode(o =>
    {
        foreach (var item in items)
        {
            o.WriteTag(1, Bytes);
            o.WriteBytes(ByteString.CopyFrom(item));
        }

        o.WriteTag(2, Bytes);
        o.WriteString(eventType);
    });

    public static byte[] Kline(string interval, long windowStartSeconds, string open, string close, string high, string low, string volume, string amount, long windowEndSeconds) => Encode(o =>
    {
        o.WriteTag(1, Bytes);
        o.WriteString(interval);
        o.WriteTag(2, Varint);
        o.WriteInt64(windowStartSeconds);
        o.WriteTag(3, Bytes);
        o.WriteString(open);
        o.WriteTag(4, Bytes);
        o.WriteString(close);
        o.WriteTag(5, Bytes);
        o.WriteString(high);
        o.WriteTag(6, Bytes);
        o.WriteString(low);
        o.WriteTag(7, Bytes);
        o.WriteString(volume);
        o.WriteTag(8, Bytes);
        o.WriteString(amount);
        o.WriteTag(9, Varint);
        o.WriteInt64(windowEndSeconds);
    });

    /// <summary>PushDataV3ApiWrapper: channel = 1, body (oneof, field <paramref name="bodyField"/>), symbol = 3, symbolId = 4, createTime = 5, sendTime = 6.</summary>
    public static byte[] Wrapper(string channel, int bodyField, byte[] body, string? symbol, long createTime = 0, long sendTime = 0) => Encode(o =>
    {
        o.WriteTag(1, Bytes);
        o.WriteString(channel);
        o.WriteTag(bodyField, Bytes);
        o.WriteBytes(ByteString.CopyFrom(body));
        if (symbol is not null)
        {
            o.WriteTag(3, Bytes);
            o.WriteString(symbol);
            o.WriteTag(4, Bytes);
            o.WriteString("2fb942154ef44a4ab2ef98c8afb6a4a7");
        }

        if (createTime != 0)
        {
            o.WriteTag(5, Varint);
            o.WriteInt64(createTime);
        }

        if (sendTime != 0)
        {
            o.WriteTag(6, Varint);
            o.WriteInt64(sendTime);
        }
    });

    public static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        write(output);
        output.Flush();
        return stream.ToArray();
    }
}
