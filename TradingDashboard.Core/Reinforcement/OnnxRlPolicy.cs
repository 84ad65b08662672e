using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TradingDashboard.Core.Models;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// An RL policy served by ONNX Runtime (the interface of <see cref="PolicyOnnxNames"/>). <see cref="Load"/> refuses, with
/// an <see cref="InvalidDataException"/> naming the problem: a missing or invalid card beside the file (<c>NAME.json</c>),
/// a card in the model's metadata (<see cref="PolicyModelCard.MetadataKey"/>) that is missing or differs from it, a SHA-256
/// that differs from the card's, inputs or outputs whose names, element types or shapes differ from the interface
/// ([N, observation length] in, [N, 3] scores and probabilities, [N] confidence and value), and non-finite outputs on
/// a probe observation of zeros. <see cref="Decide"/> runs one observation and takes the most probable action (the
/// lowest action index on a tie). Calls are serialized by a lock.
/// </summary>
public sealed class OnnxRlPolicy : IRlPolicy
{
    private readonly Lock _gate = new();
    private readonly OnnxSession _onnx;
    private readonly int _length;
    private readonly float[] _input;
    private readonly float[] _scores = new float[TradingEnvironment.ActionCount];
    private readonly float[] _probabilities = new float[TradingEnvironment.ActionCount];
    private readonly float[] _confidence = new float[1];
    private readonly float[] _value = new float[1];
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames = [PolicyOnnxNames.Observation];
    private readonly string[] _outputNames = [PolicyOnnxNames.ActionScores, PolicyOnnxNames.Probabilities, PolicyOnnxNames.Confidence, PolicyOnnxNames.Value];
    private readonly RunOptions _runOptions = new();
    private bool _disposed;

    private OnnxRlPolicy(OnnxSession onnx, PolicyModelCard card, string path)
    {
        _onnx = onnx;
        Card = card;
        OnnxPath = path;
        _length = card.ObservationNames.Count;
        _input = new float[_length];
        _inputs = [OrtValue.CreateTensorValueFromMemory(_input, [1, _length])];
        _outputs =
        [
            OrtValue.CreateTensorValueFromMemory(_scores, [1, _scores.Length]),
            OrtValue.CreateTensorValueFromMemory(_probabilities, [1, _probabilities.Length]),
            OrtValue.CreateTensorValueFromMemory(_confidence, [1]),
            OrtValue.CreateTensorValueFromMemory(_value, [1]),
        ];
    }

    public PolicyModelCard Card { get; }

    /// <summary>The file the policy was loaded from (full path).</summary>
    public string OnnxPath { get; }

    public string ExecutionProvider => _onnx.ExecutionProvider;

    /// <summary>Opens and checks the policy at <paramref name="onnxPath"/> (see the class remarks).</summary>
    public static OnnxRlPolicy Load(string onnxPath, OnnxSessionFactory sessions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        ArgumentNullException.ThrowIfNull(sessions);
        var path = Path.GetFullPath(onnxPath);
        var file = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{file}: the file does not exist.");
        }

        var cardPath = Path.ChangeExtension(path, ".json");
        if (!File.Exists(cardPath))
        {
            throw new InvalidDataException($"{file}: no policy card {Path.GetFileName(cardPath)} beside it.");
        }

        var card = PolicyModelCard.Read(cardPath);
        CheckSha(path, file, card.OnnxSha256);
        OnnxSession onnx;
        try
        {
            onnx = sessions.Open(path);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or IOException)
        {
            throw new InvalidDataException($"{file}: fails to load: {ex.Message}", ex);
        }

        try
        {
            CheckMetadata(onnx.Session, file, card);
            CheckInterface(onnx.Session, file, card.ObservationNames.Count);
            var policy = new OnnxRlPolicy(onnx, card, path);
            try
            {
                // A probe: a network that gives NaN on an all-zero observation (a flat, history-less start) is broken.
                _ = policy.Decide(new float[card.ObservationNames.Count]);
            }
            catch (InvalidOperationException ex)
            {
                policy.Dispose();
                throw new InvalidDataException($"{file}: {ex.Message}", ex);
            }

            return policy;
        }
        catch (InvalidDataException)
        {
            onnx.Dispose();
            throw;
        }
    }

    /// <summary>Throws <see cref="InvalidDataException"/> when the file's SHA-256 differs from <paramref name="expected"/> (no check without one).</summary>
    internal static void CheckSha(string path, string file, string? expected)
    {
        if (expected is null)
        {
            return;
        }

        using var stream = File.OpenRead(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"{file}: its SHA-256 {actual[..12]} differs from the card's onnxSha256 {(expected.Length > 12 ? expected[..12] : expected)}: the file is incomplete or not the one the card describes.");
        }
    }

    private static void CheckMetadata(InferenceSession session, string file, PolicyModelCard card)
    {
        if (!session.ModelMetadata.CustomMetadataMap.TryGetValue(PolicyModelCard.MetadataKey, out var json))
        {
            throw new InvalidDataException($"{file}: the model's metadata has no {PolicyModelCard.MetadataKey}; the card beside it cannot be checked against the file.");
        }

        var embedded = PolicyModelCard.FromJson(json, $"{file} metadata");

        // The beside card carries the hash of the file, which the embedded copy cannot know: compare everything else.
        var a = embedded with { OnnxSha256 = null };
        var b = card with { OnnxSha256 = null };
        if (!string.Equals(a.ToJson(), b.ToJson(), StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{file}: the card beside the file and the card in its metadata differ (name {b.Name}/{a.Name}, version {b.Version}/{a.Version}).");
        }
    }

    private static void CheckInterface(InferenceSession session, string file, int length)
    {
        if (session.InputMetadata.Count != 1 || !session.InputMetadata.TryGetValue(PolicyOnnxNames.Observation, out var input))
        {
            throw new InvalidDataException($"{file}: expected one input '{PolicyOnnxNames.Observation}', found {string.Join(", ", session.InputMetadata.Keys)}.");
        }

        CheckTensor(file, PolicyOnnxNames.Observation, input, [length]);
        CheckOutput(session, file, PolicyOnnxNames.ActionScores, [TradingEnvironment.ActionCount]);
        CheckOutput(session, file, PolicyOnnxNames.Probabilities, [TradingEnvironment.ActionCount]);
        CheckOutput(session, file, PolicyOnnxNames.Confidence, []);
        CheckOutput(session, file, PolicyOnnxNames.Value, []);
    }

    private static void CheckOutput(InferenceSession session, string file, string name, int[] itemDims)
    {
        if (!session.OutputMetadata.TryGetValue(name, out var meta))
        {
            throw new InvalidDataException($"{file}: no output '{name}' (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
        }

        CheckTensor(file, name, meta, itemDims);
    }

    /// <summary>Float, a dynamic (or 1) batch first, then exactly <paramref name="itemDims"/> (dynamic dimensions accepted).</summary>
    private static void CheckTensor(string file, string name, NodeMetadata meta, int[] itemDims)
    {
        if (meta.ElementDataType != TensorElementType.Float)
        {
            throw new InvalidDataException($"{file}: '{name}' is {meta.ElementDataType}; expected float.");
        }

        var dims = meta.Dimensions;
        var shape = "[" + string.Join(", ", dims.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        var expected = "[N" + string.Concat(itemDims.Select(d => ", " + d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
        if (dims.Length != itemDims.Length + 1 || dims[0] > 1)
        {
            throw new InvalidDataException($"{file}: '{name}' has shape {shape}; expected {expected}.");
        }

        for (var i = 0; i < itemDims.Length; i++)
        {
            if (dims[i + 1] > 0 && dims[i + 1] != itemDims[i])
            {
                throw new InvalidDataException($"{file}: '{name}' has shape {shape}; expected {expected}.");
            }
        }
    }

    public PolicyDecision Decide(ReadOnlySpan<float> observation)
    {
        if (observation.Length != _length)
        {
            throw new ArgumentException($"The policy {Card.Name} takes {_length} observation values; got {observation.Length}.", nameof(observation));
        }

        foreach (var value in observation)
        {
            if (!float.IsFinite(value))
            {
                throw new ArgumentException($"The observation for policy {Card.Name} holds a non-finite value.", nameof(observation));
            }
        }

        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            observation.CopyTo(_input);
            _onnx.Session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);
            var best = 0;
            for (var a = 0; a < _probabilities.Length; a++)
            {
                if (!float.IsFinite(_probabilities[a]) || !float.IsFinite(_scores[a]))
                {
                    throw new InvalidOperationException($"policy {Card.Name} gave a non-finite output (scores {string.Join(", ", _scores)}; probabilities {string.Join(", ", _probabilities)}).");
                }

                if (_probabilities[a] > _probabilities[best])
                {
                    best = a;
                }
            }

            if (!float.IsFinite(_value[0]) || !float.IsFinite(_confidence[0]))
            {
                throw new InvalidOperationException($"policy {Card.Name} gave a non-finite value or confidence ({_value[0]}, {_confidence[0]}).");
            }

            return new PolicyDecision((AgentAction)best, [.. _scores], [.. _probabilities], _probabilities[best], _value[0]);
        }
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
            foreach (var value in _inputs.Concat(_outputs))
            {
                value.Dispose();
            }

            _runOptions.Dispose();
            _onnx.Dispose();
        }
    }
}
