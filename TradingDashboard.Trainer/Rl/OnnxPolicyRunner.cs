using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Trainer.Rl;

/// <summary>The four outputs of an RL policy's ONNX graph for a batch.</summary>
public sealed record PolicyOnnxOutputs(float[] ActionScores, float[] Probabilities, float[] Confidence, float[] Value);

/// <summary>
/// Runs an exported RL policy with ONNX Runtime on the CPU (one intra-op thread) by the contract names
/// (<see cref="PolicyOnnxNames"/>); the trainer's walk-forward evaluation of candidates and incumbents goes through it, so
/// what is evaluated is the file the host loads. Not thread-safe.
/// </summary>
public sealed class OnnxPolicyRunner : IDisposable
{
    private readonly InferenceSession _session;

    private OnnxPolicyRunner(InferenceSession session)
    {
        _session = session;
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(PolicyModelCard.MetadataKey, out var json))
        {
            session.Dispose();
            throw new InvalidDataException($"The ONNX model has no policy card under '{PolicyModelCard.MetadataKey}'.");
        }

        Card = PolicyModelCard.FromJson(json, "ONNX metadata");
        ObservationLength = Card.ObservationNames.Count;
    }

    public PolicyModelCard Card { get; }

    public int ObservationLength { get; }

    public static OnnxPolicyRunner Load(string onnxPath) => new(new InferenceSession(onnxPath, Options()));

    public static OnnxPolicyRunner Load(byte[] model) => new(new InferenceSession(model, Options()));

    /// <summary>All four outputs for <paramref name="batch"/> observations laid out row after row.</summary>
    public PolicyOnnxOutputs Run(float[] observations, int batch)
    {
        ArgumentNullException.ThrowIfNull(observations);
        if (observations.Length != batch * ObservationLength)
        {
            throw new ArgumentException($"Expected {batch} x {ObservationLength} values, got {observations.Length}.", nameof(observations));
        }

        var input = new DenseTensor<float>(observations, [batch, ObservationLength]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor(PolicyOnnxNames.Observation, input)]);
        float[] Output(string name) => results.First(r => r.Name == name).AsEnumerable<float>().ToArray();
        return new PolicyOnnxOutputs(Output(PolicyOnnxNames.ActionScores), Output(PolicyOnnxNames.Probabilities), Output(PolicyOnnxNames.Confidence), Output(PolicyOnnxNames.Value));
    }

    /// <summary>The greedy action (largest score; ties to the lower index) on one observation.</summary>
    public AgentAction Decide(float[] observation)
    {
        var scores = Run(observation, 1).ActionScores;
        return (AgentAction)RlMath.ArgMax(scores);
    }

    public void Dispose() => _session.Dispose();

    private static SessionOptions Options() => new() { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
}

/// <summary>Small helpers shared by the learners and the evaluator.</summary>
public static class RlMath
{
    /// <summary>Index of the largest value; ties go to the lower index.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>Walk-forward evaluation of a greedy policy over one held-out period through the <see cref="TradingEnvironment"/>.</summary>
public static class RlEvaluator
{
    /// <summary>
    /// Runs <paramref name="decide"/> from the first decision at or after <paramref name="from"/> (warm-up from the bars
    /// before it) to the last bar before <paramref name="to"/>, and summarizes the episode. Sharpe and Sortino are 0 where
    /// the curve has no spread (a policy that never trades).
    /// </summary>
    public static RlEvaluation Evaluate(IReadOnlyList<Core.Domain.OHLCVBar> bars, RlEnvironmentSettings environment, string primarySymbol, DateTimeOffset from, DateTimeOffset to, IObservationSource source, Func<float[], AgentAction> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        using var env = new TradingEnvironment(bars, environment.Build(primarySymbol, from, to, maxSteps: null), source);
        var observation = env.Reset();
        while (true)
        {
            var step = env.Step(decide(observation));
            observation = step.Observation;
            if (step.Done)
            {
                break;
            }
        }

        var m = env.Metrics();
        return new RlEvaluation(
            DateTimeOffset.FromUnixTimeMilliseconds(m.StartTimeMs), DateTimeOffset.FromUnixTimeMilliseconds(m.EndTimeMs), primarySymbol,
            m.TotalReturn, m.Sharpe ?? 0, m.Sortino ?? 0, m.MaxDrawdown, m.Trades, m.FeesPaid, m.Steps);
    }
}
