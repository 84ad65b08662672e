using TradingDashboard.Core.Domain;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>Builds test candles: a closed series plus variations of one candle.</summary>
public static class Candles
{
    /// <summary>2024-05-01 00:00:00 UTC.</summary>
    public const long StartMs = 1_714_521_600_000;

    /// <summary><paramref name="count"/> consecutive closed candles from <see cref="StartMs"/>; close rises by 1 per candle from 3000.</summary>
    public static List<OHLCVBar> Series(string symbol, Timeframe timeframe, int count, long startMs = StartMs)
    {
        var bars = new List<OHLCVBar>(count);
        for (var i = 0; i < count; i++)
        {
            var open = 3000.0 + i;
            bars.Add(new OHLCVBar("Binance", symbol, timeframe, startMs + (i * timeframe.DurationMs()), open, open + 2, open - 1, open + 1, 10 + i, IsClosed: true));
        }

        return bars;
    }

    public static OHLCVBar At(string symbol, Timeframe timeframe, long openTimeMs, double close, bool closed = false, double volume = 5) =>
        new("Binance", symbol, timeframe, openTimeMs, close - 1, close + 1, close - 2, close, volume, closed);
}
