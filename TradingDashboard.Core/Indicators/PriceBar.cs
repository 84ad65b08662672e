using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Indicators;

/// <summary>The numbers of one candle that indicators read. A value type so batch runs over arrays do not allocate.</summary>
public readonly record struct PriceBar(long OpenTimeMs, double Open, double High, double Low, double Close, double Volume)
{
    public static PriceBar From(OHLCVBar bar)
    {
        ArgumentNullException.ThrowIfNull(bar);
        return new PriceBar(bar.OpenTimeMs, bar.Open, bar.High, bar.Low, bar.Close, bar.Volume);
    }

    /// <summary>(high + low + close) / 3, as TA-Lib computes it for CCI and MFI.</summary>
    public double TypicalPrice => (High + Low + Close) / 3.0;
}
