using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;

namespace TradingDashboard.Core.Models;

/// <summary>
/// A pivot model served by ONNX Runtime, for both input kinds: <see cref="InputKinds.Frame"/> (the frame's values as
/// they are) and <see cref="InputKinds.FrameSummary"/> (<see cref="FrameSummaryFeatures"/>, the tree models). Opening it
/// checks the model against its card and the running feature schema (input and output names, shapes, element types) and
/// throws <see cref="InvalidDataException"/> naming the first difference. Further inputs of the card (ML.NET's "Label")
/// are fed zeros. Batch-1 buffers are allocated once and reused; calls are serialized by a lock (the stage calls it from
/// one thread; the lock makes other callers and disposal safe).
/// </summary>
public sealed class OnnxPivotModel : IPivotModel
{
    private readonly Lock _gate = new();
    private readonly OnnxSession _onnx;
    private readonly FeatureSchema? _schema;
    private readonly string _inputName;
    private readonly int _inputLength;
    private readonly long[] _inputShape;
    private readonly ExtraInput[] _extraInputs;
    private readonly string[] _headOutputs;
    private readonly Timeframe[] _headTimeframes;
    private readonly Dictionary<string, int> _headByCode;
    private readonly int _hiddenSize;
    private readonly Timeframe[] _predictionTimeframes;
    private readonly int[] _primaryBlock;

    // Batch-1 buffers: the input, the outputs (preallocated OrtValues over pinned arrays), the names in run order.
    private readonly float[] _input;
    private readonly OrtValue[] _inputValues;
    private readonly string[] _inputNames;
    private readonly float[][] _outputs;
    private readonly OrtValue[] _outputValues;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new();
    private bool _disposed;

    private OnnxPivotModel(OnnxSession onnx, ModelCard card, FeatureSchema? schema)
    {
        _onnx = onnx;
        Card = card;
        _schema = schema;
        var session = onnx.Session;
        var source = $"model {card.Name}";

        if (card.Inputs.Count == 0)
        {
            throw new InvalidDataException($"{source}: the card declares no inputs.");
        }

        foreach (var name in session.InputMetadata.Keys)
        {
            if (!card.Inputs.Any(i => i.Name == name))
            {
                throw new InvalidDataException($"{source}: the ONNX file has an input '{name}' that the card does not declare.");
            }
        }

        foreach (var spec in card.Inputs)
        {
            CheckTensor(source, "input", spec, session.InputMetadata);
        }

        foreach (var spec in card.Outputs)
        {
            CheckTensor(source, "output", spec, session.OutputMetadata);
        }

        // The main input: float, dynamic batch, the rest fixed and matching the feature schema.
        var main = card.Inputs[0];
        var mainMeta = session.InputMetadata[main.Name];
        if (mainMeta.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"{source}: input '{main.Name}' is {mainMeta.ElementDataType}; expected float.");
        }

        var dims = mainMeta.Dimensions;
        if (dims.Length < 2 || dims[0] > 0)
        {
            throw new InvalidDataException($"{source}: input '{main.Name}' must have a dynamic batch dimension first and at least one more dimension.");
        }

        var itemDims = dims.Skip(1).Select((d, i) => d > 0 ? d : (int)main.Shape[i + 1]).ToArray();
        if (itemDims.Any(d => d <= 0))
        {
            throw new InvalidDataException($"{source}: input '{main.Name}' has a dynamic dimension other than the batch ({Shape(dims)}).");
        }

        _inputName = main.Name;
        _inputLength = itemDims.Aggregate(1, (a, b) => a * b);
        _inputShape = [1, .. itemDims.Select(d => (long)d)];
        switch (card.InputKind)
        {
            case InputKinds.Frame when schema is not null && !itemDims.SequenceEqual(schema.Shape):
                throw new InvalidDataException(
                    $"{source}: input '{main.Name}' has shape {Shape(dims)}; the running feature schema needs [batch, {string.Join(", ", schema.Shape)}].");
            case InputKinds.FrameSummary when itemDims.Length != 1:
                throw new InvalidDataException($"{source}: a frame-summary input must be [batch, length]; '{main.Name}' is {Shape(dims)}.");
            case InputKinds.FrameSummary when schema is not null
                && itemDims[0] != FrameSummaryFeatures.Length(schema.Symbols.Count, schema.Timeframes.Count, schema.FeatureCount):
                throw new InvalidDataException(
                    $"{source}: input '{main.Name}' has {itemDims[0]} values; the frame summary of the running feature schema has "
                    + $"{FrameSummaryFeatures.Length(schema.Symbols.Count, schema.Timeframes.Count, schema.FeatureCount)}.");
            case InputKinds.Frame or InputKinds.FrameSummary:
                break;
            default:
                throw new InvalidDataException($"{source}: unknown input kind '{card.InputKind}' (expected frame or frame-summary).");
        }

        _extraInputs = card.Inputs.Skip(1).Select(spec => ExtraInput.From(source, spec, session.InputMetadata[spec.Name])).ToArray();

        // Heads: one [batch, 3] float output per timeframe, in the card's order.
        _headTimeframes = new Timeframe[card.Timeframes.Count];
        _headOutputs = new string[card.Timeframes.Count];
        _headByCode = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var h = 0; h < card.Timeframes.Count; h++)
        {
            var code = card.Timeframes[h];
            if (!TimeframeExtensions.TryParse(code, out _headTimeframes[h]))
            {
                throw new InvalidDataException($"{source}: unknown timeframe '{code}' in the card.");
            }

            _headOutputs[h] = card.ProbabilityOutputs[code];
            _headByCode[code] = h;
            CheckOutput(source, session, _headOutputs[h], PivotClassExtensions.Count);
        }

        if (card.Timeframes.Count == 0)
        {
            throw new InvalidDataException($"{source}: the card names no timeframes.");
        }

        if (card.ConfidenceOutput is { } confidence)
        {
            CheckOutput(source, session, confidence, card.Timeframes.Count);
        }

        if (card.HiddenOutput is { } hidden)
        {
            _hiddenSize = CheckOutput(source, session, hidden, null);
        }

        _predictionTimeframes = (schema?.Timeframes ?? []).Concat(_headTimeframes).Distinct().ToArray();
        var schemaTimeframes = schema?.Timeframes.ToList() ?? [];
        _primaryBlock = _predictionTimeframes.Select(tf => schemaTimeframes.IndexOf(tf)).ToArray();

        // Batch-1 buffers.
        _input = new float[_inputLength];
        _inputNames = [_inputName, .. _extraInputs.Select(e => e.Name)];
        _inputValues = [OrtValue.CreateTensorValueFromMemory(_input, _inputShape), .. _extraInputs.Select(e => e.CreateZeros(1))];
        var outputs = new List<(string Name, int Width)>();
        outputs.AddRange(_headOutputs.Select(o => (o, PivotClassExtensions.Count)));
        if (card.ConfidenceOutput is not null)
        {
            outputs.Add((card.ConfidenceOutput, card.Timeframes.Count));
        }

        if (card.HiddenOutput is not null)
        {
            outputs.Add((card.HiddenOutput, _hiddenSize));
        }

        _outputNames = outputs.Select(o => o.Name).ToArray();
        _outputs = outputs.Select(o => new float[o.Width]).ToArray();
        _outputValues = _outputs.Select(buffer => OrtValue.CreateTensorValueFromMemory(buffer, [1, buffer.Length])).ToArray();
    }

    public ModelCard Card { get; }

    public string ExecutionProvider => _onnx.ExecutionProvider;

    /// <summary>
    /// Checks <paramref name="onnx"/> against <paramref name="card"/> and <paramref name="schema"/> (when known) and wraps
    /// it; the model owns the session from then on. Throws <see cref="InvalidDataException"/> (the session is then left to the caller).
    /// </summary>
    public static OnnxPivotModel Create(OnnxSession onnx, ModelCard card, FeatureSchema? schema)
    {
        ArgumentNullException.ThrowIfNull(onnx);
        ArgumentNullException.ThrowIfNull(card);
        return new OnnxPivotModel(onnx, card, schema);
    }

    public CNNPrediction Predict(FeatureFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            FillInput(frame, _input);
            var start = Stopwatch.GetTimestamp();
            try
            {
                _onnx.Session.Run(_runOptions, _inputNames, _inputValues, _outputNames, _outputValues);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new ModelRuntimeException($"Model {Card.Name} failed on {frame.Symbol} {frame.AnchorOpenTimeMs}: {ex.Message}", ex);
            }

            var latency = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            for (var o = 0; o < _outputs.Length; o++)
            {
                CheckFinite(_outputs[o], _outputNames[o]);
            }

            var confidence = Card.ConfidenceOutput is null ? null : _outputs[_headOutputs.Length];
            var predictions = new TimeframePivotPrediction[_predictionTimeframes.Length];
            for (var i = 0; i < _predictionTimeframes.Length; i++)
            {
                var timeframe = _predictionTimeframes[i];
                var head = Array.IndexOf(_headTimeframes, timeframe);
                if (head < 0 || !PrimaryBlockPresent(frame, _primaryBlock[i]))
                {
                    predictions[i] = TimeframePivotPrediction.Unavailable(timeframe);
                    continue;
                }

                var p = _outputs[head];
                var top = Math.Max(p[0], Math.Max(p[1], p[2]));
                predictions[i] = new TimeframePivotPrediction(timeframe, true, p[0], p[1], p[2], confidence?[head] ?? top);
            }

            float[] hidden = Card.HiddenOutput is null ? [] : (float[])_outputs[^1].Clone();
            return new CNNPrediction(Card.Name, Card.Version, frame.Symbol, frame.AnchorOpenTimeMs, frame.AsOfMs, predictions, hidden, ExecutionProvider, latency);
        }
    }

    public float[] PredictProbabilities(ReadOnlySpan<float> frames, int count, string timeframe)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!_headByCode.TryGetValue(timeframe, out var head))
        {
            throw new ArgumentException($"Model {Card.Name} has no head for timeframe '{timeframe}' (it has {string.Join(", ", Card.Timeframes)}).", nameof(timeframe));
        }

        if (count == 0)
        {
            return [];
        }

        if (frames.Length % count != 0)
        {
            throw new ArgumentException($"{frames.Length} values do not split into {count} frames.", nameof(frames));
        }

        var frameLength = frames.Length / count;
        var input = new float[count * _inputLength];
        if (Card.InputKind == InputKinds.Frame)
        {
            if (frameLength != _inputLength)
            {
                throw new ArgumentException($"Each frame must have {_inputLength} values; got {frameLength}.", nameof(frames));
            }

            frames.CopyTo(input);
        }
        else
        {
            var schema = _schema ?? throw new InvalidOperationException($"Model {Card.Name} needs the feature schema to summarize frames.");
            if (frameLength != schema.Length)
            {
                throw new ArgumentException($"Each frame must have {schema.Length} values; got {frameLength}.", nameof(frames));
            }

            for (var i = 0; i < count; i++)
            {
                FrameSummaryFeatures.Extract(
                    frames.Slice(i * frameLength, frameLength), schema.Symbols.Count, schema.Timeframes.Count, schema.WindowLength, schema.FeatureCount,
                    input.AsSpan(i * _inputLength, _inputLength));
            }
        }

        var result = new float[count * PivotClassExtensions.Count];
        long[] shape = [count, .. _inputShape.Skip(1)];
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var inputs = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(input, shape) };
            try
            {
                inputs.AddRange(_extraInputs.Select(e => e.CreateZeros(count)));
                using var output = OrtValue.CreateTensorValueFromMemory(result, [count, PivotClassExtensions.Count]);
                _onnx.Session.Run(_runOptions, _inputNames, inputs, [_headOutputs[head]], [output]);
            }
            catch (OnnxRuntimeException ex)
            {
                throw new ModelRuntimeException($"Model {Card.Name} failed on a batch of {count} frames: {ex.Message}", ex);
            }
            finally
            {
                foreach (var value in inputs)
                {
                    value.Dispose();
                }
            }
        }

        CheckFinite(result, _headOutputs[head]);
        return result;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var value in _inputValues.Concat(_outputValues))
            {
                value.Dispose();
            }

            _runOptions.Dispose();
            _onnx.Dispose();
        }
    }

    private void FillInput(FeatureFrame frame, float[] destination)
    {
        if (Card.InputKind == InputKinds.Frame)
        {
            if (frame.Values.Length != _inputLength)
            {
                throw new ArgumentException($"Model {Card.Name} needs frames of {_inputLength} values; the frame has {frame.Values.Length}.", nameof(frame));
            }

            frame.Values.CopyTo(destination, 0);
            return;
        }

        if (_schema is { } schema)
        {
            FrameSummaryFeatures.Extract(frame.Values, schema.Symbols.Count, schema.Timeframes.Count, schema.WindowLength, schema.FeatureCount, destination);
            return;
        }

        // No schema (features disabled at load): the frame's blocks give the layout.
        var blocks = frame.BlockPresent.Count;
        var features = blocks == 0 ? 0 : _inputLength / (2 * blocks);
        if (features == 0 || 2 * blocks * features != _inputLength || frame.Values.Length % (blocks * features) != 0)
        {
            throw new ArgumentException($"Model {Card.Name}: the frame's layout does not fit a summary of {_inputLength} values.", nameof(frame));
        }

        FrameSummaryFeatures.Extract(frame.Values, 1, blocks, frame.Values.Length / (blocks * features), features, destination);
    }

    /// <summary>A head is unavailable when the frame masked the primary symbol's block of its timeframe (e.g. no 1s history).</summary>
    private static bool PrimaryBlockPresent(FeatureFrame frame, int block) =>
        block < 0 || block >= frame.BlockPresent.Count || frame.BlockPresent[block];

    private void CheckFinite(ReadOnlySpan<float> values, string output)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                throw new ModelRuntimeException($"Model {Card.Name} returned a non-finite value ({value.ToString(CultureInfo.InvariantCulture)}) in output '{output}'.");
            }
        }
    }

    private static void CheckTensor(string source, string what, TensorSpec spec, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        if (!metadata.TryGetValue(spec.Name, out var meta))
        {
            throw new InvalidDataException(
                $"{source}: the card's {what} '{spec.Name}' is not in the ONNX file (it has {string.Join(", ", metadata.Keys.Select(k => $"'{k}'"))}).");
        }

        if (!meta.IsTensor)
        {
            throw new InvalidDataException($"{source}: {what} '{spec.Name}' is not a tensor.");
        }

        var dims = meta.Dimensions;
        var compatible = dims.Length == spec.Shape.Count
            && dims.Zip(spec.Shape).All(p => p.First <= 0 || p.Second <= 0 || p.First == p.Second);
        if (!compatible)
        {
            throw new InvalidDataException($"{source}: {what} '{spec.Name}' has shape {Shape(dims)} in the ONNX file; the card says {Shape(spec.Shape)}.");
        }
    }

    /// <summary>Checks a float [batch, width] output; returns its width. <paramref name="width"/> null: any fixed width.</summary>
    private static int CheckOutput(string source, InferenceSession session, string name, int? width)
    {
        if (!session.OutputMetadata.TryGetValue(name, out var meta))
        {
            throw new InvalidDataException($"{source}: output '{name}' named by the card is not in the ONNX file.");
        }

        if (meta.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"{source}: output '{name}' is {meta.ElementDataType}; expected float.");
        }

        var dims = meta.Dimensions;
        if (dims.Length != 2 || dims[1] <= 0 || (width is { } w && dims[1] != w))
        {
            var expected = width is { } n ? n.ToString(CultureInfo.InvariantCulture) : "width";
            throw new InvalidDataException($"{source}: output '{name}' has shape {Shape(dims)}; expected [batch, {expected}].");
        }

        return dims[1];
    }

    private static string Shape(IEnumerable<int> dims) => Shape(dims.Select(d => (long)d));

    private static string Shape(IEnumerable<long> dims) => "[" + string.Join(", ", dims.Select(d => d <= 0 ? "?" : d.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>An input the model declares besides the frame (ML.NET's "Label"): fed zeros of its declared type and shape.</summary>
    private sealed record ExtraInput(string Name, TensorElementType Type, long[] ItemShape)
    {
        public static ExtraInput From(string source, TensorSpec spec, NodeMetadata meta)
        {
            var type = meta.ElementDataType;
            if (type is not (TensorElementType.Float or TensorElementType.Double or TensorElementType.Int64 or TensorElementType.Int32
                or TensorElementType.UInt32 or TensorElementType.UInt64 or TensorElementType.Bool or TensorElementType.String))
            {
                throw new InvalidDataException($"{source}: input '{spec.Name}' has type {type}, which cannot be fed zeros.");
            }

            // Batch first; any other dynamic dimension gets 1.
            var item = meta.Dimensions.Skip(1).Select(d => d > 0 ? (long)d : 1L).ToArray();
            return new ExtraInput(spec.Name, type, item);
        }

        public OrtValue CreateZeros(int batch)
        {
            long[] shape = [batch, .. ItemShape];
            var length = (int)shape.Aggregate(1L, (a, b) => a * b);
            return Type switch
            {
                TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(new float[length], shape),
                TensorElementType.Double => OrtValue.CreateTensorValueFromMemory(new double[length], shape),
                TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(new long[length], shape),
                TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(new int[length], shape),
                TensorElementType.UInt32 => OrtValue.CreateTensorValueFromMemory(new uint[length], shape),
                TensorElementType.UInt64 => OrtValue.CreateTensorValueFromMemory(new ulong[length], shape),
                TensorElementType.Bool => OrtValue.CreateTensorValueFromMemory(new bool[length], shape),
                _ => OrtValue.CreateTensorWithEmptyStrings(OrtAllocator.DefaultInstance, shape),
            };
        }
    }
}

/// <summary>Loads models with <see cref="OnnxSessionFactory"/> and checks them against their card and the running feature schema.</summary>
public sealed class OnnxPivotModelFactory(OnnxSessionFactory sessions, RunningFeatureSchema schema) : IPivotModelFactory
{
    public IPivotModel Load(string onnxPath, ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        OnnxSession onnx;
        try
        {
            onnx = sessions.Open(onnxPath);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"model {card.Name}: ONNX Runtime cannot load {Path.GetFileName(onnxPath)}: {ex.Message}", ex);
        }

        try
        {
            return OnnxPivotModel.Create(onnx, card, schema.Current);
        }
        catch
        {
            onnx.Dispose();
            throw;
        }
    }
}
