using Google.Protobuf;
using TradingDashboard.Core.Exchanges.Mexc;
using static TradingDashboard.Tests.Exchanges.MexcProtoWriter;

namespace TradingDashboard.Tests.Exchanges;

public class MexcPushDecoderTests
{
    [Fact]
    public void Aggregated_deals_push_is_decoded_with_every_field()
    {
        // Values of the trade-stream example in MEXC's documentation.
        var bytes = Wrapper(
            "spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT",
            314,
            Deals("spot@public.aggre.deals.v3.api.pb@100ms",
                Deal("93220.00", "0.04438243", 2, 1736409765051),
                Deal("93220.01", "0.001", 1, 1736409765052, tradeId: "123456789")),
            "BTCUSDT",
            sendTime: 1736409765052);

        var message = MexcPushDecoder.Decode(bytes);

        Assert.Equal("spot@public.aggre.deals.v3.api.pb@100ms@BTCUSDT", message.Channel);
        Assert.Equal("BTCUSDT", message.Symbol);
        Assert.Equal(1736409765052L, message.SendTimeMs);
        Assert.Equal(MexcPushBody.AggreDeals, message.Body);
        Assert.Equal(314, message.BodyFieldNumber);
        Assert.Null(message.Kline);
        Assert.Equal(
            [new MexcDeal("93220.00", "0.04438243", 2, 1736409765051, null), new MexcDeal("93220.01", "0.001", 1, 1736409765052, "123456789")],
            message.Deals);
    }

    [Fact]
    public void Older_deals_body_301_is_decoded_as_deals()
    {
        var bytes = Wrapper("spot@public.deals.v3.api.pb@ETHUSDT", 301, Deals("spot@public.deals.v3.api.pb", Deal("2000.5", "1.5", 1, 1700000000000)), "ETHUSDT");
        var message = MexcPushDecoder.Decode(bytes);
        Assert.Equal(MexcPushBody.Deals, message.Body);
        Assert.Equal("2000.5", Assert.Single(message.Deals).Price);
    }

    [Fact]
    public void Kline_push_is_decoded_with_every_field()
    {
        // Values of the K-line stream example in MEXC's documentation.
        var bytes = Wrapper(
            "spot@public.kline.v3.api.pb@BTCUSDT@Min15",
            308,
            Kline("Min15", 1736410500, "92925", "93158.47", "93158.47", "92800", "36.83803224", "3424811.05", 1736411400),
            "BTCUSDT",
            createTime: 1736410707571);

        var message = MexcPushDecoder.Decode(bytes);

        Assert.Equal(MexcPushBody.Kline, message.Body);
        Assert.Equal(1736410707571L, message.CreateTimeMs);
        Assert.Equal(new MexcKline("Min15", 1736410500, "92925", "93158.47", "93158.47", "92800", "36.83803224", "3424811.05", 1736411400), message.Kline);
        Assert.Empty(message.Deals);
    }

    [Fact]
    public void Other_bodies_and_unknown_fields_are_skipped()
    {
        var depthBody = Encode(o =>
        {
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteString("spot@public.aggre.depth.v3.api.pb@100ms");
        });
        var bytes = Encode(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString("spot@public.aggre.depth.v3.api.pb@100ms@BTCUSDT");
            o.WriteTag(77, WireFormat.WireType.Varint); // a field this decoder does not know
            o.WriteInt64(5);
            o.WriteTag(313, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(depthBody));
            o.WriteTag(3, WireFormat.WireType.LengthDelimited);
            o.WriteString("BTCUSDT");
        });

        var message = MexcPushDecoder.Decode(bytes);

        Assert.Equal(MexcPushBody.Other, message.Body);
        Assert.Equal(313, message.BodyFieldNumber);
        Assert.Equal("BTCUSDT", message.Symbol);
    }

    [Fact]
    public void Field_with_an_unexpected_wire_type_is_skipped_not_misread()
    {
        // Field 4 of a deal is time (varint); here it arrives as a string and must be ignored.
        var deal = Encode(o =>
        {
            o.WriteTag(1, WireFormat.WireType.LengthDelimited);
            o.WriteString("10");
            o.WriteTag(4, WireFormat.WireType.LengthDelimited);
            o.WriteString("oops");
        });
        var message = MexcPushDecoder.Decode(Wrapper("c", 314, Deals("e", deal), "BTCUSDT"));
        var decoded = Assert.Single(message.Deals);
        Assert.Equal("10", decoded.Price);
        Assert.Equal(0L, decoded.TimeMs);
    }

    [Fact]
    public void Garbage_bytes_throw_InvalidProtocolBufferException()
    {
        Assert.Throws<InvalidProtocolBufferException>(() => MexcPushDecoder.Decode([0x0A, 0x50, 0x41]));
        Assert.Throws<InvalidProtocolBufferException>(() => MexcPushDecoder.Decode([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]));
    }
}
