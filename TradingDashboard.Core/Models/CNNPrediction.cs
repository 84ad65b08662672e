using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Models;

/// <summary>
/// One model's prediction for one timeframe: class probabilities (none, high, low; they sum to 1) and the model's
/// confidence that its top class is right (0..1). <see cref="Available"/> is false where the model has no output for the
/// timeframe (for example 1m/1h-only FastTree models, or a timeframe whose input block was masked).
/// </summary>
public sealed record TimeframePivotPrediction(
    Timeframe Timeframe,
    bool Available,
    float ProbabilityNone,
    float ProbabilityHigh,
    float ProbabilityLow,
    float Confidence)
{
    /// <summary>The most probable class (None when not available).</summary>
    public PivotClass Predicted => !Available
        ? PivotClass.None
        : ProbabilityHigh >= ProbabilityLow && ProbabilityHigh > ProbabilityNone ? PivotClass.High
        : ProbabilityLow > ProbabilityHigh && ProbabilityLow > ProbabilityNone ? PivotClass.Low
        : PivotClass.None;

    public float Probability(PivotClass pivotClass) => pivotClass switch
    {
        PivotClass.None => ProbabilityNone,
        PivotClass.High => ProbabilityHigh,
        PivotClass.Low => ProbabilityLow,
        _ => throw new ArgumentOutOfRangeException(nameof(pivotClass), pivotClass, "Unknown pivot class."),
    };

    public static TimeframePivotPrediction Unavailable(Timeframe timeframe) => new(timeframe, false, 0, 0, 0, 0);
}

/// <summary>
/// The output of a pivot model on one feature frame (the design's CNNPrediction; FastTree models produce the same shape
/// with an empty hidden state): the predicted next pivot per timeframe and, for the CNN, the hidden-state vector (the
/// representation before the heads) that the RL agent reads.
/// </summary>
/// <param name="ModelName">The registry name of the model (its file name without .onnx).</param>
/// <param name="AnchorOpenTimeMs">The frame's anchor bar open time.</param>
/// <param name="AsOfMs">The frame's time (anchor close); the prediction is about pivots after it.</param>
/// <param name="ExecutionProvider">"CUDA" or "CPU": where the inference ran.</param>
/// <param name="LatencyMicroseconds">Time spent in the model's Run call.</param>
public sealed record CNNPrediction(
    string ModelName,
    string ModelVersion,
    string Symbol,
    long AnchorOpenTimeMs,
    long AsOfMs,
    IReadOnlyList<TimeframePivotPrediction> Timeframes,
    IReadOnlyList<float> HiddenState,
    string ExecutionProvider,
    double LatencyMicroseconds)
{
    public TimeframePivotPrediction? For(Timeframe timeframe) => Timeframes.FirstOrDefault(t => t.Timeframe == timeframe);
}
