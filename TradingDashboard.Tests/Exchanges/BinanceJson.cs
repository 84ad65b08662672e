using System.Globalization;

namespace TradingDashboard.Tests.Exchanges;

/// <summary>Builds Binance combined-stream messages in the documented shape, for scripted pushes.</summary>
public static class BinanceJson
{
    public static string AggTrade(string symbol, long id, string price, string quantity, long timeMs, bool buyerMaker = false) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"stream\":\"{symbol.ToLowerInvariant()}@aggTrade\",\"data\":{{\"e\":\"aggTrade\",\"E\":{timeMs + 1},\"s\":\"{symbol}\",\"a\":{id},\"p\":\"{price}\",\"q\":\"{quantity}\",\"f\":{id * 10},\"l\":{(id * 10) + 2},\"T\":{timeMs},\"m\":{(buyerMaker ? "true" : "false")},\"M\":true}}}}");

    public static string Trade(string symbol, long id, string price, string quantity, long timeMs, bool buyerMaker = false) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"stream\":\"{symbol.ToLowerInvariant()}@trade\",\"data\":{{\"e\":\"trade\",\"E\":{timeMs + 1},\"s\":\"{symbol}\",\"t\":{id},\"p\":\"{price}\",\"q\":\"{quantity}\",\"T\":{timeMs},\"m\":{(buyerMaker ? "true" : "false")},\"M\":true}}}}");

    public static string Kline(string symbol, string interval, long openTime, long durationMs, string open, string high, string low, string close, string volume, bool closed, long eventTime) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{{\"stream\":\"{symbol.ToLowerInvariant()}@kline_{interval}\",\"data\":{{\"e\":\"kline\",\"E\":{eventTime},\"s\":\"{symbol}\",\"k\":{{\"t\":{openTime},\"T\":{openTime + durationMs - 1},\"s\":\"{symbol}\",\"i\":\"{interval}\",\"f\":100,\"L\":200,\"o\":\"{open}\",\"c\":\"{close}\",\"h\":\"{high}\",\"l\":\"{low}\",\"v\":\"{volume}\",\"n\":101,\"x\":{(closed ? "true" : "false")},\"q\":\"1000.5\",\"V\":\"1\",\"Q\":\"2\",\"B\":\"0\"}}}}}}");
}
