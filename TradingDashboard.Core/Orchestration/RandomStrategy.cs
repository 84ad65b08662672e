using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Execution;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The random baseline of evaluate-strategy: at each trading bar of the decision timeframe of each symbol it draws
/// Hold, Buy or Sell with probability 1/3 each (<see cref="Random"/> seeded with <c>seed</c>, one draw per decision bar,
/// in the backtester's bar order) and maps the action with the orchestrator's <see cref="ActionMapper"/> (no thresholds:
/// a random policy has no confidence). Warm-up bars draw nothing. The same seed gives the same actions.
/// </summary>
public sealed class RandomStrategy : IStrategy
{
    private readonly Random _random;
    private readonly ActionMapper _mapper;
    private readonly Timeframe _timeframe;
    private readonly HashSet<string> _symbols;

    public RandomStrategy(int seed, ActionMapper mapper, Timeframe decisionTimeframe, IEnumerable<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(mapper);
        ArgumentNullException.ThrowIfNull(symbols);
        Seed = seed;
        _random = new Random(seed);
        _mapper = mapper;
        _timeframe = decisionTimeframe;
        _symbols = new HashSet<string>(symbols, StringComparer.Ordinal);
    }

    public int Seed { get; }

    public string Name => "random";

    /// <summary>Draws the next action (Hold, Buy, Sell uniformly).</summary>
    public AgentAction Draw() => (AgentAction)_random.Next(3);

    public PositionTarget? OnBar(OHLCVBar bar, IStrategyContext context)
    {
        ArgumentNullException.ThrowIfNull(bar);
        ArgumentNullException.ThrowIfNull(context);
        if (context.IsWarmup || bar.Timeframe != _timeframe || !_symbols.Contains(bar.Symbol))
        {
            return null;
        }

        var action = Draw();
        return _mapper.ToTarget(action, bar.Symbol, context.Now) is { } target
            ? target with { Reason = $"random (seed {Seed}): {action}" }
            : null;
    }
}
