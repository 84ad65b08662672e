namespace TradingDashboard.Core.Indicators;

/// <summary>
/// TA-Lib's zero tests (ta_utility.h, 0.6 releases: TA_EPSILON = 1e-14; the 0.4 release used 1e-8): values within the
/// epsilon of zero count as zero. Used exactly where TA-Lib uses TA_IS_ZERO / TA_IS_ZERO_OR_NEG (RSI, +DI/-DI/ADX,
/// standard deviation); elsewhere TA-Lib compares with 0.0 and so does this code.
/// </summary>
internal static class TaMath
{
    public const double Epsilon = 0.00000000000001;

    public static bool IsZero(double v) => -Epsilon < v && v < Epsilon;

    public static bool IsZeroOrNegative(double v) => v < Epsilon;
}
