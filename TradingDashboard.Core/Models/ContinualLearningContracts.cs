using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Models;

/// <summary>
/// Where continual learning stands: whether it is on, whether a retraining runs now, how many confirmed pivots arrived
/// since the last training and after how many it retrains by itself, and how the last run ended.
/// </summary>
/// <param name="Enabled">Whether the host retrains by itself after <paramref name="RetrainAfterPivots"/> new confirmed pivots.</param>
/// <param name="Running">Whether a retraining runs now (in the background).</param>
/// <param name="ConfirmedPivotsSinceLastTraining">New confirmed pivots (labels now known) since the last training.</param>
/// <param name="RetrainAfterPivots">The threshold that starts a retraining.</param>
/// <param name="LastRunAt">When the last retraining started; null when none ran in this host.</param>
/// <param name="LastRunId">The training run id of the last retraining (see <see cref="ITrainingRuns"/>), when it wrote one.</param>
/// <param name="LastMessage">How the last retraining ended (promoted, refused by the gate, failed...), in words.</param>
public sealed record ContinualLearningStatus(
    bool Enabled,
    bool Running,
    int ConfirmedPivotsSinceLastTraining,
    int RetrainAfterPivots,
    DateTimeOffset? LastRunAt,
    string? LastRunId,
    string? LastMessage);

/// <summary>
/// Continual learning in the host: records frames with their realized outcomes, retrains in the background after enough
/// new confirmed pivots or when an admin asks, and offers the new model to the registry's validation gate.
/// </summary>
public interface IContinualLearning
{
    ContinualLearningStatus Status { get; }

    /// <summary>
    /// Starts a retraining now (in the background; returns at once) and says in words what happened (started, or why
    /// not: one already running, not enough data). Admins only: implementations throw <see cref="AccessDeniedException"/>
    /// for anyone else, and audit every request.
    /// </summary>
    Task<string> RequestRetrainAsync(Actor actor, CancellationToken ct);

    /// <summary>Called after any change of <see cref="Status"/>. Handlers must be quick.</summary>
    IDisposable Subscribe(Action changed);
}
