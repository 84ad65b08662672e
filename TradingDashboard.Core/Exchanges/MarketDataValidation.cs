using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Core.Exchanges;

/// <summary>The value checks every venue applies at the boundary; each returns null when valid, else a <see cref="RejectReasons"/> code.</summary>
public static class MarketDataValidation
{
    public static string? CheckTrade(double price, double quantity)
    {
        if (!double.IsFinite(price) || !double.IsFinite(quantity))
        {
            return RejectReasons.InvalidNumber;
        }

        if (price <= 0)
        {
            return RejectReasons.NonPositivePrice;
        }

        return quantity < 0 ? RejectReasons.NegativeQuantity : null;
    }

    public static string? CheckBar(double open, double high, double low, double close, double volume)
    {
        if (!double.IsFinite(open) || !double.IsFinite(high) || !double.IsFinite(low) || !double.IsFinite(close) || !double.IsFinite(volume))
        {
            return RejectReasons.InvalidNumber;
        }

        if (open <= 0 || high <= 0 || low <= 0 || close <= 0)
        {
            return RejectReasons.NonPositivePrice;
        }

        if (volume < 0)
        {
            return RejectReasons.NegativeQuantity;
        }

        if (high < low)
        {
            return RejectReasons.HighBelowLow;
        }

        return open > high || open < low || close > high || close < low ? RejectReasons.OhlcOutsideRange : null;
    }
}
