using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Exchanges.Mexc;

/// <summary>
/// MEXC interval codes. REST /api/v3/klines takes 1m, 5m, 15m, 30m, 60m, 4h, 1d, 1W, 1M (60m, not 1h); the protobuf kline
/// stream takes Min1, Min5, Min15, Min30, Min60, Hour4, Hour8, Day1, Week1, Month1. MEXC has no 1s candles.
/// </summary>
public static class MexcIntervals
{
    /// <summary>Timeframes MEXC can serve (REST and stream).</summary>
    public static readonly IReadOnlyList<Timeframe> Supported = [Timeframe.OneMinute, Timeframe.OneHour, Timeframe.OneDay];

    public static string? RestCode(Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => "1m",
        Timeframe.OneHour => "60m",
        Timeframe.OneDay => "1d",
        _ => null,
    };

    public static string? StreamCode(Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => "Min1",
        Timeframe.OneHour => "Min60",
        Timeframe.OneDay => "Day1",
        _ => null,
    };

    public static Timeframe? FromStreamCode(string? code) => code switch
    {
        "Min1" => Timeframe.OneMinute,
        "Min60" => Timeframe.OneHour,
        "Day1" => Timeframe.OneDay,
        _ => null,
    };
}
