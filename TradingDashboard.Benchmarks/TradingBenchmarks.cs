using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 5 targets: a paper order round trip (submit -> fill -> position update) with p99 under 100 µs, and backtest
/// throughput in bars per second. The round-trip benchmark records each operation's latency with Stopwatch and
/// prints p50 / p99 / p99.9 / max at the end of the run (BenchmarkDotNet reports the mean).
/// </summary>
[MemoryDiagnoser]
public class TradingBenchmarks
{
    private static readonly long Start = BenchmarkData.Start;

    private static readonly SymbolRules EthUsdt = new("ETHUSDT", "ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m);
    private static readonly SymbolRules BtcUsdt = new("BTCUSDT", "BTC", "USDT", 0.01m, 0.00001m, 0.00001m, 10m);

    private readonly List<long> _latencies = new(4_000_000);
    private SimulatedClock _clock = null!;
    private PaperExchange _exchange = null!;
    private OrderManager _orders = null!;
    private long _sequence;
    private List<OHLCVBar> _realBars = null!;
    private List<OHLCVBar> _yearBars = null!;

    [GlobalSetup(Target = nameof(PaperOrderRoundTrip))]
    public void SetupRoundTrip()
    {
        _clock = new SimulatedClock(Start);
        var rules = new SymbolRulesRegistry([EthUsdt]);
        var paper = new PaperExchangeOptions { InitialCash = 1_000_000_000m, MakerFeeRate = 0.001m, TakerFeeRate = 0.001m, SlippageBps = 1m, SizeImpactBps = 10m, MaxVolumeParticipation = 1m, LatencyMs = 0 };
        _exchange = new PaperExchange(paper, rules, "USDT", _clock);
        var book = new PositionBook("USDT", 1_000_000_000m, _clock);
        _orders = new OrderManager(_exchange, book, rules, NullExecutionStore.Instance, new ExecutionOptions { RetryBaseDelayMs = 0 }, _clock);
        _orders.ReconcileAsync(["ETHUSDT"]).GetAwaiter().GetResult();
        _exchange.OnTrade(new MarketTick("bench", "ETHUSDT", 0, 2000, 1, false, Start, Start));
        book.Mark("ETHUSDT", 2000m);
        _exchange.SetBalances(new Dictionary<string, decimal> { ["USDT"] = 1_000_000_000m, ["ETH"] = 1_000_000m });
    }

    /// <summary>Submit a market order (validation, idempotency, lifecycle, venue), fill it on the next trade, apply the fill to the position.</summary>
    [Benchmark]
    public decimal PaperOrderRoundTrip()
    {
        var n = ++_sequence;
        var started = Stopwatch.GetTimestamp();
        var side = (n & 1) == 0 ? OrderSide.Buy : OrderSide.Sell;
        var intent = new OrderIntent("bench-" + n.ToString(CultureInfo.InvariantCulture), "ETHUSDT", side, OrderType.Market, 0.01m);
        var submission = _orders.SubmitAsync(intent).GetAwaiter().GetResult();
        var time = Start + n;
        _clock.Set(time);
        _exchange.OnTrade(new MarketTick("bench", "ETHUSDT", n, 2000, 10, false, time, time));
        var quantity = _orders.Positions.QuantityOf("ETHUSDT");
        _latencies.Add(Stopwatch.GetTimestamp() - started);
        if (submission.Order.Status == OrderStatus.Rejected)
        {
            throw new InvalidOperationException("round trip rejected: " + submission.Order.StatusReason);
        }

        return quantity;
    }

    [GlobalCleanup(Target = nameof(PaperOrderRoundTrip))]
    public void ReportLatency()
    {
        _orders.Dispose();
        if (_latencies.Count == 0)
        {
            return;
        }

        _latencies.Sort();
        double Micro(double q) => _latencies[(int)Math.Min(_latencies.Count - 1, Math.Floor(q * _latencies.Count))] * 1_000_000.0 / Stopwatch.Frequency;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// PaperOrderRoundTrip latency over {_latencies.Count} round trips: p50 {Micro(0.50):F2} us, p99 {Micro(0.99):F2} us, p99.9 {Micro(0.999):F2} us, max {Micro(1.0):F2} us"));
    }

    [GlobalSetup(Targets = [nameof(BacktestRealEthBtc2x50k), nameof(BacktestSyntheticYear2Symbols)])]
    public void SetupBacktests()
    {
        _realBars = BenchmarkData.RealEthBtc1m();
        _yearBars = BenchmarkData.RandomWalk(525_600, ("ETHUSDT", 2500), ("BTCUSDT", 60_000));
    }

    /// <summary>
    /// Moving-average cross (20/50), paper exchange, risk manager with ATR trailing stops on the venue, over the real
    /// Binance 1m windows of ETHUSDT and BTCUSDT from 2024-10-01 to 2024-11-04 (2 x 50,000 bars). Bars/s = 100,000 / mean.
    /// </summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public double BacktestRealEthBtc2x50k() => RunBacktest(_realBars);

    /// <summary>The same over one synthetic year of 1m bars for two symbols (2 x 525,600 bars): bars/s = 1,051,200 / mean.</summary>
    [Benchmark(OperationsPerInvoke = 1)]
    public double BacktestSyntheticYear2Symbols() => RunBacktest(_yearBars);

    private static double RunBacktest(List<OHLCVBar> bars)
    {
        var options = new BacktestOptions
        {
            InitialCash = 10_000m,
            Paper = new PaperExchangeOptions { MakerFeeRate = 0.001m, TakerFeeRate = 0.001m, SlippageBps = 1m, SizeImpactBps = 10m, MaxVolumeParticipation = 0.1m, LatencyMs = 50 },
            Risk = new RiskOptions
            {
                MaxPositionNotionalPerSymbol = 1_000_000m,
                MaxTotalNotional = 1_000_000m,
                MaxLeverage = 1m,
                RiskPerTradeFraction = 0.02m,
                StopLoss = new StopLossOptions { Mode = StopLossMode.Atr, AtrMultiplier = 3m, Trailing = true, PlaceOnVenue = true },
            },
            SymbolRules = [EthUsdt, BtcUsdt],
            ProgressEveryBars = int.MaxValue,
        };
        var result = new Backtester(options).RunAsync(bars, new MovingAverageCrossStrategy(20, 50, 2)).GetAwaiter().GetResult();
        return result.Metrics.TotalReturn + result.Fills.Count;
    }
}
