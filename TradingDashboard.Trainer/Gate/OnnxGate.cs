using Microsoft.ML.OnnxRuntime;
using TradingDashboard.Core.Orchestration;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// A trained gate file run with ONNX Runtime on the CPU (one thread), as an <see cref="IGate"/>: encodes the context for
/// the card's experts, runs the graph, zeroes the experts whose "present" feature is 0 and renormalizes
/// (<see cref="GateEvaluator.MaskAndRenormalize"/>), and returns the weights in the context's expert order (0 for an
/// expert the card does not know). Used to evaluate the incumbent gate; the card is read from the ONNX metadata and its
/// input and output shapes are checked against it. Thread-safe.
/// </summary>
public sealed class OnnxGate : IGate, IDisposable
{
    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly string _path;

    public OnnxGate(string onnxPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException($"Gate model not found: {onnxPath}", onnxPath);
        }

        _options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        try
        {
            _session = new InferenceSession(onnxPath, _options);
            if (!_session.ModelMetadata.CustomMetadataMap.TryGetValue(GateModelCard.MetadataKey, out var json))
            {
                throw new InvalidDataException($"{onnxPath} carries no gate card (metadata key {GateModelCard.MetadataKey}).");
            }

            Card = GateModelCard.FromJson(json, onnxPath);
            var features = GateFeatureEncoder.Length(Card.Experts.Count);
            if (!_session.InputMetadata.TryGetValue(GateOnnxNames.Features, out var input) || input.Dimensions is not [_, var f] || f != features)
            {
                throw new InvalidDataException($"{onnxPath}: input '{GateOnnxNames.Features}' [N, {features}] expected for experts {string.Join(',', Card.Experts)}.");
            }

            if (!_session.OutputMetadata.TryGetValue(GateOnnxNames.Weights, out var output) || output.Dimensions is not [_, var e] || e != Card.Experts.Count)
            {
                throw new InvalidDataException($"{onnxPath}: output '{GateOnnxNames.Weights}' [N, {Card.Experts.Count}] expected.");
            }
        }
        catch
        {
            _session?.Dispose();
            _options.Dispose();
            throw;
        }

        _path = Path.GetFullPath(onnxPath);
    }

    public GateModelCard Card { get; }

    public string Name => "onnx:" + Card.Name;

    public IReadOnlyList<double> Weigh(GateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var f = GateFeatureEncoder.Length(Card.Experts.Count);
        var features = new float[f];
        GateFeatureEncoder.Encode(context, Card.Experts, features);
        var weights = Run(features, 1);
        GateEvaluator.MaskAndRenormalize(features, weights);
        return GateEvaluator.ToContextOrder(context, Card.Experts, weights);
    }

    /// <summary>The graph's raw output (softmax over all card experts, unmasked) for <paramref name="count"/> encoded rows, row-major [count, E].</summary>
    public float[] Run(float[] features, int count)
    {
        ArgumentNullException.ThrowIfNull(features);
        var f = GateFeatureEncoder.Length(Card.Experts.Count);
        if (count < 1 || features.Length != count * f)
        {
            throw new ArgumentException($"Expected {count} rows of {f} features, got {features.Length} values.", nameof(features));
        }

        using var value = OrtValue.CreateTensorValueFromMemory(features, [count, f]);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [GateOnnxNames.Features], [value], [GateOnnxNames.Weights]);
        return results[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public override string ToString() => $"{Name} ({_path})";

    public void Dispose()
    {
        _session.Dispose();
        _options.Dispose();
    }
}
