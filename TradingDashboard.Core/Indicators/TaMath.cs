namespace TradingDashboard.Core.Indicators;

/// <summary>
/// TA-Lib's zero tests (ta_utility.h of the 0.4 and 0.6 releases): values within 1e-8 of zero count as zero. Used exactly
/// where TA-Lib uses TA_IS_ZERO / TA_IS_ZERO_OR_NEG (RSI, +DI/-DI/ADX, standard deviation); elsewhere TA-Lib compares with 0.0.
/// </summary>
internal static class TaMath
{
    public const double Epsilon = 0.00000001;

    public static bool IsZero(double v) => -Epsilon < v && v < Epsilon;

    public static bool IsZeroOrNegative(double v) => v < Epsilon;
}
