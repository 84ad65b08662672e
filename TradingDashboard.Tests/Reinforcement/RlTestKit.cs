using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Tests.Reinforcement;

internal static class RlTestKit
{
    /// <summary>
    /// A fixed, "random-ish" action sequence: keeps its action for a while, then draws another (seeded), so positions
    /// are held for several bars and the book sees entries, exits, stops and flips.
    /// </summary>
    public static List<AgentAction> Actions(int count, int seed, double switchProbability = 0.15)
    {
        var random = new Random(seed);
        var actions = new List<AgentAction>(count);
        var current = AgentAction.Hold;
        for (var i = 0; i < count; i++)
        {
            if (random.NextDouble() < switchProbability)
            {
                current = (AgentAction)random.Next(3);
            }

            actions.Add(current);
        }

        return actions;
    }

    public static TradingEnvironmentOptions EnvOptions(BacktestOptions backtest, string primary = "ETHUSDT", Timeframe step = Timeframe.OneMinute) => new()
    {
        Backtest = backtest,
        PrimarySymbol = primary,
        StepTimeframe = step,
        WarmupBars = 64,
        Reward = new RewardOptions { DrawdownPenalty = 0.5, VolatilityPenalty = 10, TradePenalty = 0.0002 },
    };

    /// <summary>Runs actions until the episode ends (Hold once they run out); returns every step result.</summary>
    public static List<StepResult> Run(TradingEnvironment env, IReadOnlyList<AgentAction> actions)
    {
        var results = new List<StepResult>();
        for (var i = 0; ; i++)
        {
            var result = env.Step(i < actions.Count ? actions[i] : AgentAction.Hold);
            results.Add(result);
            if (result.Done)
            {
                return results;
            }
        }
    }

    /// <summary>
    /// Replays the environment's actions in the backtester: at every close of the step timeframe of the primary
    /// symbol in the trading period, the next action, mapped by the same <see cref="ActionMapper"/>.
    /// </summary>
    public sealed class ActionReplayStrategy(ActionMapper mapper, string primary, Timeframe step, IReadOnlyList<AgentAction> actions) : IStrategy
    {
        private int _next;

        public string Name => mapper.Source;

        public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
        {
            if (context.IsWarmup || bar.Symbol != primary || (bar.CloseTimeMs + 1) % step.DurationMs() != 0)
            {
                return null;
            }

            var action = _next < actions.Count ? actions[_next] : AgentAction.Hold;
            _next++;
            return mapper.ToTarget(action, bar.Symbol, context.Now);
        }
    }
}
