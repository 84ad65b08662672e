using TradingDashboard.Core.Backtesting;
using TradingDashboard.Core.Execution;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>Why an episode ended (None while it runs).</summary>
public enum EpisodeEndReason
{
    None,

    /// <summary>The last decision point of the data was reached.</summary>
    EndOfData,

    /// <summary><see cref="TradingEnvironmentOptions.MaxSteps"/> steps were taken.</summary>
    MaxSteps,

    /// <summary>The risk manager halted trading (maximum drawdown) and <see cref="TradingEnvironmentOptions.EndOnRiskHalt"/> is on.</summary>
    RiskHalted,

    /// <summary>Equity fell to 0 or below.</summary>
    Bankrupt,
}

/// <summary>
/// One step's reward and its parts (docs/rl.md); <see cref="Reward"/> is exactly
/// Pnl - DrawdownPenalty - VolatilityPenalty - TradePenalty.
/// </summary>
/// <param name="Pnl">(equity now - equity at the previous decision) / initial equity: net of fees and slippage.</param>
/// <param name="DrawdownPenalty">λ_dd x max(0, drawdown now - drawdown at the previous decision).</param>
/// <param name="VolatilityPenalty">λ_vol x (equity now / equity at the previous decision - 1)².</param>
/// <param name="TradePenalty">λ_trade x orders the action sent (0 or 1).</param>
public readonly record struct RewardBreakdown(double Pnl, double DrawdownPenalty, double VolatilityPenalty, double TradePenalty)
{
    public double Reward => Pnl - DrawdownPenalty - VolatilityPenalty - TradePenalty;
}

/// <summary>What happened in one step, for logging and inspection.</summary>
/// <param name="Step">1 for the first step of the episode.</param>
/// <param name="TimeMs">Close time of the decision bar the new observation describes.</param>
/// <param name="Target">What the executor did with the action's target; null for Hold.</param>
/// <param name="TargetReason">The executor's reason (e.g. the risk manager's denial), null for Hold.</param>
/// <param name="Equity">Equity at the new decision point, in the account currency.</param>
/// <param name="Drawdown">1 - equity / episode peak (over decision points).</param>
/// <param name="PositionQuantity">Signed position of the primary symbol at the new decision point.</param>
/// <param name="Fills">Fills during the step (the action's order, stops).</param>
/// <param name="Fees">Fees of those fills.</param>
public sealed record StepInfo(
    int Step,
    long TimeMs,
    AgentAction Action,
    TargetAction? Target,
    string? TargetReason,
    double Equity,
    double Drawdown,
    decimal PositionQuantity,
    int Fills,
    double Fees,
    RewardBreakdown Reward,
    EpisodeEndReason EndReason);

/// <summary>The outcome of <see cref="TradingEnvironment.Step"/>. <see cref="Observation"/> is a new array owned by the caller.</summary>
public readonly record struct StepResult(float[] Observation, double Reward, bool Done, StepInfo Info);

/// <summary>
/// One episode's metrics, as the trainer persists them for the dashboard. Return, Sharpe, Sortino and drawdown follow
/// docs/metrics.md over the episode's equity curve (one point per bar time from the first decision, as in a backtest);
/// <see cref="Performance"/> holds every backtest metric. The trainer sets <see cref="Exploration"/> (e.g. epsilon).
/// </summary>
/// <param name="Seed">The seed that chose the start, null for an explicit start.</param>
/// <param name="StartTimeMs">Close time of the first decision bar.</param>
/// <param name="EndTimeMs">Close time of the last decision bar reached.</param>
public sealed record EpisodeMetrics(
    int? Seed,
    long StartTimeMs,
    long EndTimeMs,
    int Steps,
    EpisodeEndReason EndReason,
    double InitialEquity,
    double FinalEquity,
    double TotalReturn,
    double? Sharpe,
    double? Sortino,
    double MaxDrawdown,
    int Trades,
    int Fills,
    double FeesPaid,
    int RiskDenials,
    double RewardSum,
    double PnlSum,
    double DrawdownPenaltySum,
    double VolatilityPenaltySum,
    double TradePenaltySum,
    PerformanceSummary Performance)
{
    /// <summary>Exploration during the episode (epsilon for DQN, entropy for PPO), filled by the trainer; null when not set.</summary>
    public double? Exploration { get; init; }
}
