using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Models;

/// <summary>
/// Continual learning as the design asks ("update the model when new pivot points are detected"): counts confirmed pivots
/// since the last training and retrains in the background after enough of them, or when an admin asks.
/// </summary>
public interface IContinualLearning
{
    ContinualLearningStatus Status { get; }

    /// <summary>Starts a background retraining now. Admins only (throws <see cref="AccessDeniedException"/>); audited. Returns what happened ("started", or why not).</summary>
    Task<string> RequestRetrainAsync(Actor actor, CancellationToken ct);

    IDisposable Subscribe(Action changed);
}

public sealed record ContinualLearningStatus(
    bool Enabled,
    bool Running,
    int ConfirmedPivotsSinceLastTraining,
    int RetrainAfterPivots,
    DateTimeOffset? LastRunAt,
    string? LastRunId,
    string? LastMessage);
