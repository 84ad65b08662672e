using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.FastTree;

namespace TradingDashboard.Trainer.Evaluation;

/// <summary>
/// The trainer's own small ONNX Runtime path (CPU only) for evaluating models offline, until the host's
/// OnnxPivotModelFactory is available to the trainer; the evaluate verb only sees <see cref="IPivotModelFactory"/>, so
/// swapping this class out is one line. Handles both input kinds of a card (frame and frame-summary), feeds zeros to every
/// input after the main one (ML.NET's Label and Weight), and reads the probability output the card names per timeframe.
/// </summary>
public sealed class LocalOnnxPivotModelFactory(FeatureSchema schema) : IPivotModelFactory
{
    public IPivotModel Load(string onnxPath, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (!string.Equals(card.FeatureSchemaHash, schema.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException(
                $"{onnxPath}: the model was trained with feature schema {card.FeatureSchemaHash[..16]}..., the data has {schema.Hash[..16]}...; its inputs would not mean the same.");
        }

        if (!File.Exists(onnxPath))
        {
            throw new FileNotFoundException($"Model file not found: {onnxPath}", onnxPath);
        }

        var session = new InferenceSession(onnxPath);
        try
        {
            if (card.Inputs.Count == 0 || !session.InputMetadata.ContainsKey(card.Inputs[0].Name))
            {
                throw new InvalidDataException($"{onnxPath}: the card's main input '{card.Inputs.FirstOrDefault()?.Name}' is not an input of the graph.");
            }

            foreach (var output in card.ProbabilityOutputs.Values.Append(card.ConfidenceOutput).Append(card.HiddenOutput).OfType<string>())
            {
                if (!session.OutputMetadata.ContainsKey(output))
                {
                    throw new InvalidDataException($"{onnxPath}: the card names output '{output}', which the graph does not have.");
                }
            }

            if (card.InputKind is not (InputKinds.Frame or InputKinds.FrameSummary))
            {
                throw new InvalidDataException($"{onnxPath}: unknown input kind '{card.InputKind}'.");
            }

            return new LocalOnnxPivotModel(session, card, schema);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }
}

/// <summary>A model loaded by <see cref="LocalOnnxPivotModelFactory"/>; runs on the CPU.</summary>
public sealed class LocalOnnxPivotModel : IPivotModel
{
    private readonly InferenceSession _session;
    private readonly FeatureSchema _schema;
    private readonly string _mainInput;

    internal LocalOnnxPivotModel(InferenceSession session, ModelCard card, FeatureSchema schema)
    {
        _session = session;
        _schema = schema;
        Card = card;
        _mainInput = card.Inputs[0].Name;
    }

    public ModelCard Card { get; }

    public string ExecutionProvider => "CPU";

    /// <summary>Per-item input length: the frame itself, or its summary.</summary>
    private int InputLength => Card.InputKind == InputKinds.FrameSummary
        ? FrameSummaryFeatures.Length(_schema.Shape[0], _schema.Shape[1], _schema.Shape[3])
        : _schema.Length;

    public float[] PredictProbabilities(ReadOnlySpan<float> frames, int count, string timeframe)
    {
        if (!Card.ProbabilityOutputs.TryGetValue(timeframe, out var output))
        {
            throw new ArgumentException($"Model {Card.Name} has no output for timeframe {timeframe}.", nameof(timeframe));
        }

        return Run(frames, count, [output])[0];
    }

    public CNNPrediction Predict(FeatureFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var outputs = Card.Timeframes.Select(t => Card.ProbabilityOutputs[t]).Distinct().ToList();
        var confidenceIndex = -1;
        var hiddenIndex = -1;
        if (Card.ConfidenceOutput is { } confidence)
        {
            confidenceIndex = outputs.Count;
            outputs.Add(confidence);
        }

        if (Card.HiddenOutput is { } hidden)
        {
            hiddenIndex = outputs.Count;
            outputs.Add(hidden);
        }

        var started = Stopwatch.GetTimestamp();
        var results = Run(frame.Values, 1, outputs);
        var latency = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        var predictions = new List<TimeframePivotPrediction>();
        foreach (var timeframe in _schema.Timeframes)
        {
            var code = timeframe.ToCode();
            var head = Card.Timeframes.ToList().IndexOf(code);
            if (head < 0)
            {
                predictions.Add(TimeframePivotPrediction.Unavailable(timeframe));
                continue;
            }

            var p = results[outputs.IndexOf(Card.ProbabilityOutputs[code])];
            var top = Math.Max(p[0], Math.Max(p[1], p[2]));
            var confidenceValue = confidenceIndex >= 0 ? results[confidenceIndex][head] : top;
            predictions.Add(new TimeframePivotPrediction(timeframe, true, p[0], p[1], p[2], confidenceValue));
        }

        return new CNNPrediction(
            Card.Name,
            Card.Version,
            frame.Symbol,
            frame.AnchorOpenTimeMs,
            frame.AsOfMs,
            predictions,
            hiddenIndex >= 0 ? results[hiddenIndex] : [],
            ExecutionProvider,
            latency);
    }

    public void Dispose() => _session.Dispose();

    private float[][] Run(ReadOnlySpan<float> frames, int count, IReadOnlyList<string> outputs)
    {
        if (count < 1 || frames.Length != (long)count * _schema.Length)
        {
            throw new ArgumentException($"Expected {count} frames of {_schema.Length} values, got {frames.Length} values.", nameof(frames));
        }

        var input = new float[(long)count * InputLength];
        if (Card.InputKind == InputKinds.FrameSummary)
        {
            var shape = _schema.Shape;
            for (var i = 0; i < count; i++)
            {
                FrameSummaryFeatures.Extract(frames.Slice(i * _schema.Length, _schema.Length), shape[0], shape[1], shape[2], shape[3], input.AsSpan(i * InputLength, InputLength));
            }
        }
        else
        {
            frames.CopyTo(input);
        }

        float[][] results;
        try
        {
            results = OnnxFrameSummaryRunner.RunOutputs(_session, _mainInput, input, count, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelRuntimeException($"Model {Card.Name} failed in ONNX Runtime: {ex.Message}", ex);
        }
        catch (InvalidDataException ex)
        {
            throw new ModelRuntimeException($"Model {Card.Name}: {ex.Message}", ex);
        }

        for (var o = 0; o < outputs.Count; o++)
        {
            var isProbability = Card.ProbabilityOutputs.Values.Contains(outputs[o]);
            if (isProbability && results[o].Length != count * PivotClassExtensions.Count)
            {
                throw new ModelRuntimeException($"Model {Card.Name}: output '{outputs[o]}' has {results[o].Length} values for {count} frames; expected [{count}, 3].");
            }

            foreach (var value in results[o])
            {
                if (!float.IsFinite(value))
                {
                    throw new ModelRuntimeException($"Model {Card.Name}: output '{outputs[o]}' holds a non-finite value.");
                }
            }
        }

        return results;
    }
}
