using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Models;

/// <summary>Loads an ONNX pivot model with its card onto the configured execution provider (CUDA tried first when asked, else CPU).</summary>
public interface IPivotModelFactory
{
    /// <summary>Throws <see cref="InvalidDataException"/> when the file does not match its card (names, shapes, hash).</summary>
    IPivotModel Load(string onnxPath, ModelCard card);
}

/// <summary>Inference latency of one model over its recent calls.</summary>
public sealed record LatencySummary(long Calls, double P50Microseconds, double P99Microseconds)
{
    public static LatencySummary None { get; } = new(0, 0, 0);
}

/// <summary>A model the registry holds (loaded and validated), whether it is the active one of its slot, and its latency.</summary>
/// <param name="Slot">Models compete per slot: "cnn", or "fasttree-1m", "fasttree-1h" (kind plus timeframe for single-head models).</param>
/// <param name="Reason">Why an inactive model is not active (not promoted by the gate, superseded, switched off, failed at run time); null for the active one.</param>
public sealed record RegisteredModel(string Name, string Slot, ModelCard Card, string ExecutionProvider, bool Active, LatencySummary Latency, DateTimeOffset LoadedAt, string? Reason = null);

/// <summary>A model file the registry would not load, and why (schema hash, shapes, non-finite outputs, worse gate score...).</summary>
public sealed record RefusedModel(string File, string Reason, DateTimeOffset At);

public sealed record PromotionResult(bool Promoted, string Message);

/// <summary>
/// The model registry: models in the models folder with their cards, validated before use; one active model per slot;
/// new files promoted through the validation gate; fallback to the previous model when the active one fails.
/// </summary>
public interface IModelRegistry
{
    IReadOnlyList<RegisteredModel> Models { get; }

    IReadOnlyList<RefusedModel> Refused { get; }

    /// <summary>The active model of each slot.</summary>
    IReadOnlyList<IPivotModel> Active { get; }

    /// <summary>Loads and validates the model at <paramref name="onnxPath"/> (card beside it); promotes it when its gate score is at least the active one's.</summary>
    Task<PromotionResult> OfferAsync(string onnxPath, CancellationToken cancellationToken);

    /// <summary>Makes a registered model the active one of its slot. Admins only (throws <see cref="AccessDeniedException"/>); audited.</summary>
    Task SwitchAsync(Actor actor, string modelName, CancellationToken cancellationToken);

    /// <summary>Records a run-time failure of a model: the previous model of its slot takes over and an alert is raised.</summary>
    void ReportFailure(string modelName, Exception error);

    /// <summary>Records one inference latency for the model's p50/p99.</summary>
    void RecordLatency(string modelName, double microseconds);

    /// <summary>Called after any change (load, refusal, switch, fallback). Handlers must be quick.</summary>
    IDisposable Subscribe(Action changed);
}

/// <summary>Predictions published by the inference stage, for the next stages and the dashboard.</summary>
public interface IPredictionFeed
{
    /// <summary>The newest prediction of every model that has predicted.</summary>
    IReadOnlyList<CNNPrediction> Latest { get; }

    /// <summary>Recent predictions, newest last.</summary>
    IReadOnlyList<CNNPrediction> Recent(int limit = 200);

    /// <summary>Calls <paramref name="handler"/> with each new prediction until disposed; quick handlers only.</summary>
    IDisposable Subscribe(Action<CNNPrediction> handler);
}

/// <summary>How one prediction for one timeframe turned out once the pivots that label it were confirmed.</summary>
public sealed record PredictionOutcome(
    string ModelName,
    string Symbol,
    Timeframe Timeframe,
    long AsOfMs,
    PivotClass Predicted,
    float Probability,
    float Confidence,
    PivotClass Actual,
    long ResolvedAtMs);

/// <summary>Rolling precision and recall of one model, timeframe and pivot class over the last resolved outcomes.</summary>
public sealed record RollingScore(string ModelName, Timeframe Timeframe, PivotClass Class, double? Precision, double? Recall, int Support, int PredictedCount, int Window);

/// <summary>Predictions matched with what happened (the host's record of frames with realized outcomes).</summary>
public interface IPredictionOutcomes
{
    IReadOnlyList<PredictionOutcome> Recent(int limit = 200);

    IReadOnlyList<RollingScore> Scores { get; }

    /// <summary>Predictions waiting for their labels.</summary>
    int Pending { get; }

    IDisposable Subscribe(Action changed);
}

/// <summary>A histogram of one feature over a training set, to spot bad data.</summary>
public sealed record FeatureHistogram(string Feature, string Timeframe, double Min, double Max, IReadOnlyList<long> Counts, double MaskedFraction);

/// <summary>
/// One training run as the trainer persists it (<c>MODELS/runs/RUNID.json</c>, rewritten after each epoch) and the dashboard's
/// Training page reads. Status: "running", "completed", "early-stopped", "failed", "refused".
/// </summary>
public sealed record TrainingRunRecord(
    string RunId,
    string ModelName,
    string Kind,
    DateTimeOffset StartedUtc,
    DateTimeOffset? FinishedUtc,
    string Status,
    string? Message,
    string Trigger,
    IReadOnlyList<EpochMetrics> Epochs,
    IReadOnlyList<FeatureHistogram> Histograms,
    ModelMetrics? Validation,
    ModelMetrics? Test,
    string? OnnxPath);

/// <summary>The persisted training runs.</summary>
public interface ITrainingRuns
{
    IReadOnlyList<TrainingRunRecord> List();

    TrainingRunRecord? Get(string runId);
}

/// <summary>What a background retraining trains on: recent closed bars of every series of the schema, and where the model goes.</summary>
public sealed record RetrainRequest(
    IReadOnlyList<OHLCVBar> Bars,
    FeatureSettings Features,
    PivotLabelSettings Labels,
    string OutputDirectory,
    string ModelName,
    int Epochs,
    int Seed,
    string Trigger);

public sealed record RetrainResult(bool Succeeded, string? OnnxPath, string? RunId, string Message);

/// <summary>Trains a CNN pivot model (implemented by the trainer project; the host runs it in the background).</summary>
public interface IModelTrainer
{
    Task<RetrainResult> RetrainAsync(RetrainRequest request, CancellationToken cancellationToken);
}
