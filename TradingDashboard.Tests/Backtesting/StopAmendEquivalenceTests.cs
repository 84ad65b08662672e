using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.MarketData.Replay;
using TradingDashboard.Core.Risk;
using TradingDashboard.Core.Strategies;
using TradingDashboard.Tests.Support;

namespace TradingDashboard.Tests.Backtesting;

/// <summary>
/// Trailing venue stops moved in place (paper venue's amend, the default) against cancel and replace (a venue
/// without amend) on the real ETH+BTC minutes: every fill (time, side, quantity, price, fee, reason), the round trips,
/// the equity curve and the metrics are identical. The only intended differences: a stop keeps its first client
/// order id, so its fill carries that id, and far fewer orders are created.
/// </summary>
public class StopAmendEquivalenceTests
{
    [Theory]
    [InlineData(StopLossMode.Pivot)]
    [InlineData(StopLossMode.Atr)]
    public async Task Amended_and_replaced_trailing_stops_give_the_same_backtest_on_real_data(StopLossMode mode)
    {
        var bars = RealEthBtc(25_000);
        var amended = await new Backtester(Options(mode, amend: true)).RunAsync(bars, new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]));
        var replaced = await new Backtester(Options(mode, amend: false)).RunAsync(bars, new PivotBreakoutStrategy(["ETHUSDT", "BTCUSDT"]));

        Assert.True(replaced.Fills.Count > 100, $"only {replaced.Fills.Count} fills: the window should trade");
        Assert.Contains(replaced.Fills, f => f.Reason.StartsWith("stop-loss", StringComparison.Ordinal));
        Assert.Equal(replaced.Fills.Select(WithoutOrderId), amended.Fills.Select(WithoutOrderId));
        Assert.Equal(replaced.Trades, amended.Trades);
        Assert.Equal(replaced.Equity, amended.Equity);
        Assert.Equal(replaced.Metrics, amended.Metrics);
        Assert.Equal(replaced.FinalEquity, amended.FinalEquity);
        Assert.Equal(replaced.RiskDenials, amended.RiskDenials);
        Assert.Equal(replaced.Orders.FillsApplied, amended.Orders.FillsApplied);
        Assert.True(amended.Orders.OrdersCreated < replaced.Orders.OrdersCreated, $"{amended.Orders.OrdersCreated} orders with amend, {replaced.Orders.OrdersCreated} without");

        // Entries and target exits keep their ids; only stop fills may carry an earlier stop id.
        var pairs = replaced.Fills.Zip(amended.Fills);
        Assert.All(pairs.Where(p => !p.First.Reason.StartsWith("stop-loss", StringComparison.Ordinal)), p => Assert.Equal(p.First.OrderId, p.Second.OrderId));
    }

    private static TradeRecord WithoutOrderId(TradeRecord fill) => fill with { OrderId = string.Empty };

    private static List<OHLCVBar> RealEthBtc(int minutes)
    {
        var eth = KlineCsvReader.Read(TestData.File("binance", "spot", "klines", "1m", "ETHUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "ETHUSDT", Timeframe.OneMinute).Take(minutes);
        var btc = KlineCsvReader.Read(TestData.File("binance", "spot", "klines", "1m", "BTCUSDT-1m-2024-10-01_2024-11-04.ohlcv.csv.gz"), "Binance", "BTCUSDT", Timeframe.OneMinute).Take(minutes);
        return eth.Concat(btc).OrderBy(b => b.OpenTimeMs).ThenBy(b => b.Symbol, StringComparer.Ordinal).ToList();
    }

    /// <summary>The settings of the issue-5 benchmark (fees, slippage, partial fills, latency, trailing stops on the venue).</summary>
    private static BacktestOptions Options(StopLossMode mode, bool amend) => new()
    {
        InitialCash = 10_000m,
        Paper = new PaperExchangeOptions { MakerFeeRate = 0.001m, TakerFeeRate = 0.001m, SlippageBps = 1m, SizeImpactBps = 10m, MaxVolumeParticipation = 0.1m, LatencyMs = 50, AmendStopOrders = amend },
        Risk = new RiskOptions
        {
            MaxPositionNotionalPerSymbol = 1_000_000m,
            MaxTotalNotional = 1_000_000m,
            MaxLeverage = 1m,
            RiskPerTradeFraction = 0.02m,
            MaxDrawdown = 0.99m,
            DailyLossLimit = 0.5m,
            StopLoss = new StopLossOptions { Mode = mode, AtrMultiplier = 3m, Trailing = true, PlaceOnVenue = true, MinTrailStepFraction = mode == StopLossMode.Atr ? 0m : 0.001m },
        },
        SymbolRules =
        [
            new SymbolRules("ETHUSDT", "ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m),
            new SymbolRules("BTCUSDT", "BTC", "USDT", 0.01m, 0.00001m, 0.00001m, 10m),
        ],
        ProgressEveryBars = int.MaxValue,
    };
}
