using TradingDashboard.Core.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

public class PositionSizerTests
{
    [Fact]
    public void Size_is_equity_times_risk_over_stop_distance()
    {
        var sizer = new PositionSizer(new RiskOptions { RiskPerTradeFraction = 0.01m });
        Assert.Equal(2.5m, sizer.Size(10_000m, 2000m, 1960m, EthUsdt)); // 100 / 40
        Assert.Equal(2.5m, sizer.Size(10_000m, 2000m, 2040m, EthUsdt)); // a short: same distance
        Assert.Equal(0.3333m, sizer.Size(10_000m, 2000m, 1700m, EthUsdt)); // 100 / 300 = 0.33333.. floored to 0.0001
    }

    [Theory]
    [InlineData(0, 2000, 1960)]
    [InlineData(-5, 2000, 1960)]
    [InlineData(10000, 2000, 2000)]
    public void Cannot_size_without_equity_or_distance(decimal equity, decimal entry, decimal stop) =>
        Assert.Equal(0m, PositionSizer.QuantityForRisk(equity, 0.01m, entry, stop));
}
