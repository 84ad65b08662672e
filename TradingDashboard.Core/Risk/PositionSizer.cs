using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Risk;

/// <summary>
/// The design's PositionSizer: how much to buy or sell so that hitting the stop-loss loses a fixed fraction of equity.
/// quantity = equity x riskFraction / |entry - stop|, floored to the venue's step size.
/// Example: equity 10,000, risk 1 %, entry 2,000, stop 1,960: 100 / 40 = 2.5 units (notional 5,000).
/// </summary>
public sealed class PositionSizer(RiskOptions options)
{
    public decimal RiskFraction => options.RiskPerTradeFraction;

    /// <summary>Quantity risking <see cref="RiskFraction"/> of equity between entry and stop; 0 when it cannot be sized.</summary>
    public decimal Size(decimal equity, decimal entryPrice, decimal stopPrice, SymbolRules rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return OrderValidator.FloorToStep(QuantityForRisk(equity, options.RiskPerTradeFraction, entryPrice, stopPrice), rules.StepSize);
    }

    /// <summary>Unrounded quantity; 0 when equity is not positive or entry equals stop.</summary>
    public static decimal QuantityForRisk(decimal equity, decimal riskFraction, decimal entryPrice, decimal stopPrice)
    {
        var distance = Math.Abs(entryPrice - stopPrice);
        if (equity <= 0 || riskFraction <= 0 || distance == 0 || entryPrice <= 0)
        {
            return 0m;
        }

        return equity * riskFraction / distance;
    }
}
