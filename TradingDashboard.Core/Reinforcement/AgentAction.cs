using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>The RL agent's discrete actions; the values are the indexes of the network's outputs.</summary>
public enum AgentAction
{
    /// <summary>Keep the position as it is (no target).</summary>
    Hold = 0,

    /// <summary>Target a long of the configured fraction of equity.</summary>
    Buy = 1,

    /// <summary>Target flat on spot; a short of the configured fraction where shorting is enabled.</summary>
    Sell = 2,
}

/// <summary>
/// Maps an <see cref="AgentAction"/> to the <see cref="PositionTarget"/> the executor receives (docs/rl.md). The mapping
/// is stateless: the executor's policy turns targets into orders (a target in the direction of the position does not
/// resize it; a target of 0 or against the position closes it; the opposite side opens on a later decision).
/// <list type="bullet">
/// <item>Hold: no target.</item>
/// <item>Buy: target +<c>longFraction</c>.</item>
/// <item>Sell, long/flat (spot): target 0.</item>
/// <item>Sell, shorting enabled: target -<c>shortFraction</c> (closes a long first; from flat it opens a short).</item>
/// </list>
/// The backtester replays the same targets through an <c>IStrategy</c>, which is how the environment's accounting is
/// tested against it.
/// </summary>
public sealed class ActionMapper
{
    public ActionMapper(string source, decimal longFraction, bool shortEnabled, decimal shortFraction)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(longFraction);
        if (shortEnabled)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shortFraction);
        }

        Source = source;
        LongFraction = longFraction;
        ShortEnabled = shortEnabled;
        ShortFraction = shortFraction;
    }

    /// <summary>The targets' source: part of every intent id and client order id.</summary>
    public string Source { get; }

    public decimal LongFraction { get; }

    public bool ShortEnabled { get; }

    public decimal ShortFraction { get; }

    /// <summary>The target for an action decided at <paramref name="time"/> (the bar close); null for Hold.</summary>
    public PositionTarget? ToTarget(AgentAction action, string symbol, DateTimeOffset time) => action switch
    {
        AgentAction.Hold => null,
        AgentAction.Buy => new PositionTarget(symbol, LongFraction, Source, 1.0, "agent: buy", time),
        AgentAction.Sell when ShortEnabled => new PositionTarget(symbol, -ShortFraction, Source, 1.0, "agent: sell (short enabled)", time),
        AgentAction.Sell => new PositionTarget(symbol, 0m, Source, 1.0, "agent: sell (flat)", time),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown agent action: expected Hold (0), Buy (1) or Sell (2)."),
    };
}
