using TradingDashboard.Core.Features;

namespace TradingDashboard.Core.Models;

/// <summary>
/// A loaded pivot model (CNN or FastTree) ready to score feature frames. Implementations are thread-safe for
/// <see cref="Predict"/> and own their native resources.
/// </summary>
public interface IPivotModel : IDisposable
{
    ModelCard Card { get; }

    /// <summary>"CUDA" or "CPU".</summary>
    string ExecutionProvider { get; }

    /// <summary>Scores one frame. Throws <see cref="ModelRuntimeException"/> when the model fails (bad output, runtime error).</summary>
    CNNPrediction Predict(FeatureFrame frame);

    /// <summary>Scores many frames laid out back to back (each <c>FeatureSchema.Length</c> values): per frame and head, probabilities [none, high, low].</summary>
    float[] PredictProbabilities(ReadOnlySpan<float> frames, int count, string timeframe);
}

/// <summary>A model failed at run time (native error, wrong shape, non-finite output).</summary>
public sealed class ModelRuntimeException(string message, Exception? inner = null) : Exception(message, inner);
