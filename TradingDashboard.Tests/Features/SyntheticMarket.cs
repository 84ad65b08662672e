using TradingDashboard.Core.Domain;

namespace TradingDashboard.Tests.Features;

/// <summary>Deterministic random-walk 1m candles for two symbols, and their exact 1h roll-up.</summary>
internal static class SyntheticMarket
{
    public const long Start = 1_727_740_800_000; // 2024-10-01 00:00 UTC

    public static List<OHLCVBar> Minutes(string symbol, int count, double start, int seed)
    {
        var random = new Random(seed);
        var bars = new List<OHLCVBar>(count);
        var price = start;
        for (var i = 0; i < count; i++)
        {
            var open = price;
            var close = open * (1 + ((random.NextDouble() - 0.5) * 0.004));
            var high = Math.Max(open, close) * (1 + (random.NextDouble() * 0.001));
            var low = Math.Min(open, close) * (1 - (random.NextDouble() * 0.001));
            var volume = 1 + (random.NextDouble() * 10);
            bars.Add(new OHLCVBar("Replay", symbol, Timeframe.OneMinute, Start + (i * 60_000L), open, high, low, close, volume, true));
            price = close;
        }

        return bars;
    }

    public static List<OHLCVBar> Hours(IEnumerable<OHLCVBar> minutes) =>
        minutes.GroupBy(b => Timeframe.OneHour.BucketStart(b.OpenTimeMs))
            .Where(g => g.Count() == 60)
            .Select(g =>
            {
                var list = g.OrderBy(b => b.OpenTimeMs).ToList();
                return new OHLCVBar("Replay", list[0].Symbol, Timeframe.OneHour, g.Key, list[0].Open, list.Max(b => b.High), list.Min(b => b.Low), list[^1].Close, list.Sum(b => b.Volume), true);
            })
            .ToList();

    /// <summary>All bars in the order they close (smaller timeframe first at equal close times, then primary first).</summary>
    public static List<OHLCVBar> InCloseOrder(IEnumerable<OHLCVBar> bars, IReadOnlyList<string> symbols) =>
        bars.OrderBy(b => b.CloseTimeMs).ThenBy(b => b.Timeframe).ThenBy(b => symbols.ToList().IndexOf(b.Symbol)).ToList();
}
