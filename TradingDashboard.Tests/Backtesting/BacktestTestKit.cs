using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;
using TradingDashboard.Tests.Risk;
using static TradingDashboard.Tests.Execution.ExecutionTestKit;

namespace TradingDashboard.Tests.Backtesting;

internal static class BacktestTestKit
{
    public const long M = 60_000;

    /// <summary>2024-01-01 00:00 UTC.</summary>
    public static readonly long Start = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public static OHLCVBar Flat(string symbol, long openMs, double price, double volume = 1_000_000) => Bar(symbol, openMs, price, price, price, price, volume);

    /// <summary>A seeded random walk of 1m candles for each symbol, interleaved in time order.</summary>
    public static List<OHLCVBar> RandomWalk(int count, int seed, params (string Symbol, double Price)[] symbols)
    {
        var random = new Random(seed);
        var prices = symbols.Select(s => s.Price).ToArray();
        var bars = new List<OHLCVBar>(count * symbols.Length);
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < symbols.Length; k++)
            {
                var open = prices[k];
                var close = open * (1 + (random.NextDouble() - 0.5) * 0.006);
                var high = Math.Max(open, close) * (1 + random.NextDouble() * 0.002);
                var low = Math.Min(open, close) * (1 - random.NextDouble() * 0.002);
                bars.Add(Bar(symbols[k].Symbol, Start + i * M, Math.Round(open, 2), Math.Round(high, 2), Math.Round(low, 2), Math.Round(close, 2), 50 + random.NextDouble() * 100));
                prices[k] = Math.Round(close, 2);
            }
        }

        return bars;
    }

    public static BacktestOptions Options(PaperExchangeOptions? paper = null, RiskOptions? risk = null) => new()
    {
        InitialCash = 10_000m,
        Currency = "USDT",
        Paper = paper ?? Paper(taker: 0.001m, maker: 0.001m, slippageBps: 1m, impactBps: 10m, participation: 0.1m, latencyMs: 50),
        Risk = risk ?? DefaultRisk(),
        SymbolRules = [EthUsdt, BtcUsdt],
        ProgressEveryBars = 1000,
    };

    public static RiskOptions DefaultRisk()
    {
        var risk = RiskTestKit.Loose();
        risk.RequireStopLoss = true;
        risk.RiskPerTradeFraction = 0.02m;
        risk.StopLoss = new StopLossOptions { Mode = StopLossMode.Atr, AtrMultiplier = 3m, FixedFraction = 0.02m, Trailing = true, PlaceOnVenue = true };
        return risk;
    }
}
