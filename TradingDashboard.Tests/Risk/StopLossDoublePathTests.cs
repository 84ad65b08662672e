using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Risk;

/// <summary>
/// The double-price entry of <see cref="StopLossManager.OnPrice(string, double, double, SymbolRules)"/> skips the
/// decimal conversions when nothing can change; it must always answer what the decimal method answers.
/// </summary>
public class StopLossDoublePathTests
{
    [Theory]
    [InlineData(true, 1)]
    [InlineData(true, 2)]
    [InlineData(false, 3)]
    [InlineData(false, 4)]
    public void Double_prices_give_the_decimal_result_on_every_update(bool isLong, int seed)
    {
        var random = new Random(seed);
        var options = new StopLossOptions { Mode = StopLossMode.Fixed, FixedFraction = 0.01m, Trailing = true };
        var viaDouble = new StopLossManager(options, Clock());
        var viaDecimal = new StopLossManager(options, Clock());
        var price = 2000.0;
        var triggers = 0;
        var moves = 0;
        for (var i = 0; i < 20_000; i++)
        {
            if (viaDecimal.Get("ETHUSDT") is null)
            {
                var side = isLong ? OrderSide.Buy : OrderSide.Sell;
                var entry = Math.Round((decimal)price, 2);
                var plan = viaDecimal.Plan(side, entry, EthUsdt);
                viaDecimal.Arm("ETHUSDT", isLong ? 1m : -1m, entry, plan);
                viaDouble.Arm("ETHUSDT", isLong ? 1m : -1m, entry, plan);
            }

            var level = viaDecimal.Get("ETHUSDT")!;
            price *= 1 + (random.NextDouble() - 0.5) * 0.004;
            var high = Math.Round(price * (1 + random.NextDouble() * 0.002), 2);
            var low = Math.Round(price * (1 - random.NextDouble() * 0.002), 2);
            switch (random.Next(8))
            {
                case 0: // exactly at the stop
                    if (isLong) { low = (double)level.StopPrice; } else { high = (double)level.StopPrice; }
                    break;
                case 1: // exactly at the best price
                    if (isLong) { high = (double)level.BestPrice; } else { low = (double)level.BestPrice; }
                    break;
                case 2: // a hair beyond the best price or the stop, below any rounding margin of the decimal's 2 places
                    if (isLong) { high = (double)level.BestPrice + 1e-9; low = (double)level.StopPrice + 1e-9; }
                    else { low = (double)level.BestPrice - 1e-9; high = (double)level.StopPrice - 1e-9; }
                    break;
            }

            high = Math.Max(high, low);
            var expected = viaDecimal.OnPrice("ETHUSDT", (decimal)high, (decimal)low, EthUsdt);
            var actual = viaDouble.OnPrice("ETHUSDT", high, low, EthUsdt);
            Assert.Equal(expected, actual);
            Assert.Equal(viaDecimal.Get("ETHUSDT"), viaDouble.Get("ETHUSDT"));
            triggers += expected.Triggered ? 1 : 0;
            moves += expected.Moved ? 1 : 0;
            if (expected.Triggered)
            {
                viaDecimal.Disarm("ETHUSDT");
                viaDouble.Disarm("ETHUSDT");
            }
        }

        Assert.True(triggers > 50 && moves > 50, $"{triggers} triggers, {moves} moves: the walk should exercise both");
    }
}
