using BenchmarkDotNet.Attributes;
using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Risk;

namespace TradingDashboard.Benchmarks;

/// <summary>
/// Issue 6 target: RL environment steps per second on one core, without networks: at least 50,000. One invocation is
/// an episode of <see cref="Steps"/> steps (reset included) on 1m bars with a fixed random-ish action sequence (an
/// action is kept for a while, then redrawn), fees, slippage, partial fills, latency, risk checks and trailing stops
/// on the paper venue; the built-in bar-returns observation. Results are per step (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class EnvironmentBenchmarks
{
    public const int Steps = 20_000;

    private TradingEnvironment _real = null!;
    private TradingEnvironment _synthetic = null!;
    private AgentAction[] _actions = null!;
    private AgentAction[] _holds = null!;
    private List<OHLCVBar> _realWindow = null!;

    [GlobalSetup]
    public void Setup()
    {
        var real = BenchmarkData.RealEthBtc1m();
        _real = new TradingEnvironment(real, Options());
        var firstTimes = real.Select(b => b.OpenTimeMs).Distinct().Take(64 + Steps + 1).ToHashSet();
        _realWindow = real.Where(b => firstTimes.Contains(b.OpenTimeMs)).ToList();
        _synthetic = new TradingEnvironment(BenchmarkData.RandomWalk(Steps + 200, ("ETHUSDT", 2500)), Options());
        _actions = Actions(Steps, seed: 17, switchProbability: 0.05);
        _holds = new AgentAction[Steps];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _real.Dispose();
        _synthetic.Dispose();
    }

    /// <summary>Real Binance ETH (traded) + BTC 1m, October 2024; random-ish actions (≈ one action change per 20 steps).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public double RealEthBtc_RandomActions() => Episode(_real, _actions);

    /// <summary>The same bars, always Hold: the floor of the loop (venue, executor, observation, reward).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public double RealEthBtc_HoldOnly() => Episode(_real, _holds);

    /// <summary>Synthetic random walk, one symbol.</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public double Synthetic1Symbol_RandomActions() => Episode(_synthetic, _actions);

    /// <summary>
    /// The backtester over the same real bar times (warm-up + steps) with a strategy that never trades: what the shared
    /// trading classes cost per bar time, measured beside the environment under the same machine load.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public double RealEthBtc_BacktesterEventLoop()
    {
        var result = new Backtester(Options().Backtest).RunAsync(_realWindow, new Idle()).GetAwaiter().GetResult();
        return (double)result.FinalEquity;
    }

    private static double Episode(TradingEnvironment env, AgentAction[] actions)
    {
        env.Reset();
        double sum = 0;
        for (var i = 0; i < actions.Length; i++)
        {
            var result = env.Step(actions[i]);
            sum += result.Reward + result.Observation[0];
            if (result.Done)
            {
                throw new InvalidOperationException($"Episode ended after {i + 1} steps ({result.Info.EndReason}); the benchmark needs {actions.Length}.");
            }
        }

        return sum;
    }

    private static TradingEnvironmentOptions Options() => new()
    {
        PrimarySymbol = "ETHUSDT",
        StepTimeframe = Timeframe.OneMinute,
        MaxSteps = Steps + 1, // never ends inside the measured steps
        EndOnRiskHalt = false,
        Reward = new RewardOptions { DrawdownPenalty = 0.5, VolatilityPenalty = 10, TradePenalty = 0.0001 },
        Backtest = new BacktestOptions
        {
            InitialCash = 10_000m,
            Paper = new PaperExchangeOptions { MakerFeeRate = 0.001m, TakerFeeRate = 0.001m, SlippageBps = 1m, SizeImpactBps = 10m, MaxVolumeParticipation = 0.1m, LatencyMs = 50 },
            Risk = new RiskOptions
            {
                MaxPositionNotionalPerSymbol = 1_000_000m,
                MaxTotalNotional = 1_000_000m,
                RiskPerTradeFraction = 0.02m,
                MaxDrawdown = 0.99m,
                DailyLossLimit = 0.5m,
                StopLoss = new StopLossOptions { Mode = StopLossMode.Fixed, FixedFraction = 0.02m, Trailing = true, PlaceOnVenue = true },
            },
            SymbolRules =
            [
                new SymbolRules("ETHUSDT", "ETH", "USDT", 0.01m, 0.0001m, 0.0001m, 10m),
                new SymbolRules("BTCUSDT", "BTC", "USDT", 0.01m, 0.00001m, 0.00001m, 10m),
            ],
        },
    };

    private static AgentAction[] Actions(int count, int seed, double switchProbability)
    {
        var random = new Random(seed);
        var actions = new AgentAction[count];
        var current = AgentAction.Hold;
        for (var i = 0; i < count; i++)
        {
            if (random.NextDouble() < switchProbability)
            {
                current = (AgentAction)random.Next(3);
            }

            actions[i] = current;
        }

        return actions;
    }

    private sealed class Idle : IStrategy
    {
        public string Name => "idle";

        public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context) => null;
    }
}
