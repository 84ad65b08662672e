using System.Globalization;
using TradingDashboard.Tests.Fakes;

namespace TradingDashboard.Tests.Exchanges;

/// <summary>Deterministic kline series for the fakes; values follow simple formulas the tests recompute independently.</summary>
public static class FakeKlines
{
    public const long T0 = 1_704_067_200_000; // 2024-01-01 00:00:00 UTC

    public static double OpenOf(int i) => 2000 + (i * 0.5);

    public static double CloseOf(int i) => OpenOf(i) + 0.25;

    public static double HighOf(int i) => OpenOf(i) + 1;

    public static double LowOf(int i) => OpenOf(i) - 1;

    public static double VolumeOf(int i) => 10 + i;

    /// <param name="closeOffsetMs">-1 for Binance (close = open + interval - 1), 0 for MEXC (close = open + interval).</param>
    public static FakeKline Row(int i, long durationMs, long closeOffsetMs = -1, long start = T0) => new(
        start + (i * durationMs),
        F(OpenOf(i)),
        F(HighOf(i)),
        F(LowOf(i)),
        F(CloseOf(i)),
        F(VolumeOf(i)),
        start + ((i + 1) * durationMs) + closeOffsetMs,
        F(VolumeOf(i) * OpenOf(i)),
        100 + i);

    public static IEnumerable<FakeKline> Rows(int count, long durationMs, long closeOffsetMs = -1, long start = T0) =>
        Enumerable.Range(0, count).Select(i => Row(i, durationMs, closeOffsetMs, start));

    public static string F(double value) => value.ToString("0.########", CultureInfo.InvariantCulture);
}
