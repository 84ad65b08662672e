using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Cnn;
using static TradingDashboard.Trainer.Onnx.OnnxProto;

namespace TradingDashboard.Trainer.Rl;

/// <summary>
/// Writes a <see cref="PolicyNetwork"/> as ONNX in pure C# (OnnxSharp protobuf classes, opset 17), node for node the
/// network's forward: input <see cref="PolicyOnnxNames.Observation"/> float [N, obs] (raw: the normalization is in the
/// graph), outputs <see cref="PolicyOnnxNames.ActionScores"/> [N, 3], <see cref="PolicyOnnxNames.Probabilities"/> [N, 3]
/// (PPO: softmax of the logits; DQN: softmax of Q / card temperature), <see cref="PolicyOnnxNames.Confidence"/> [N] (the
/// largest probability) and <see cref="PolicyOnnxNames.Value"/> [N] (DQN: max Q; PPO: the critic). The card goes into the
/// metadata under <see cref="PolicyModelCard.MetadataKey"/> (without OnnxSha256) and beside the file as NAME.json (with it).
/// </summary>
public static class PolicyOnnxExporter
{
    public const int Opset = 17;


    /// <summary>Exports <paramref name="model"/> and its card; returns the card as written beside the file (with OnnxSha256).</summary>
    public static PolicyModelCard Export(PolicyNetwork model, PolicyModelCard card, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(onnxPath);
        var bytes = ToBytes(model, card);
        var directory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllBytes(onnxPath, bytes);
        var written = card with { OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        written.Write(CardPath(onnxPath));
        return written;
    }

    /// <summary>The serialized ONNX model (card in the metadata, without OnnxSha256).</summary>
    public static byte[] ToBytes(PolicyNetwork model, PolicyModelCard card) => BuildModel(model, card with { OnnxSha256 = null }).ToByteArray();

    /// <summary>onnx/rl/NAME.onnx -> onnx/rl/NAME.json.</summary>
    public static string CardPath(string onnxPath) => Path.ChangeExtension(onnxPath, ".json");

    public static ModelProto BuildModel(PolicyNetwork model, PolicyModelCard card)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(card);
        var s = model.Shape;
        if (card.ObservationNames.Count != s.ObservationLength)
        {
            throw new ArgumentException($"The card names {card.ObservationNames.Count} observation values; the network takes {s.ObservationLength}.", nameof(card));
        }

        if (s.Dueling != (card.Kind == PolicyKinds.Dqn))
        {
            throw new ArgumentException($"A {(s.Dueling ? "dueling Q" : "actor-critic")} network cannot be exported as {card.Kind}.", nameof(card));
        }

        if (!(card.Temperature > 0) || !double.IsFinite(card.Temperature))
        {
            throw new ArgumentException("The card's temperature must be a positive number.", nameof(card));
        }

        var w = model.Weights();
        var norm = model.Normalization();
        var g = new GraphProto { Name = s.Dueling ? "rl_dqn" : "rl_ppo" };
        g.Input.Add(ValueInfo(PolicyOnnxNames.Observation, s.ObservationLength));
        g.Initializer.Add(Floats("obs_mean", norm.Mean, [1, s.ObservationLength]));
        g.Initializer.Add(Floats("obs_std", norm.Std, [1, s.ObservationLength]));
        g.Node.Add(Node("Sub", [PolicyOnnxNames.Observation, "obs_mean"], ["centred"]));
        g.Node.Add(Node("Div", ["centred", "obs_std"], ["h_0"]));
        var h = "h_0";
        for (var i = 0; i < s.Hidden.Count; i++)
        {
            Add(g, w, $"trunk.{i}.weight");
            Add(g, w, $"trunk.{i}.bias");
            g.Node.Add(Node("Gemm", [h, $"trunk.{i}.weight", $"trunk.{i}.bias"], [$"linear_{i + 1}"], Int("transB", 1)));
            g.Node.Add(Node("Relu", [$"linear_{i + 1}"], [$"h_{i + 1}"]));
            h = $"h_{i + 1}";
        }

        Add(g, w, "head.weight");
        Add(g, w, "head.bias");
        Add(g, w, "value.weight");
        Add(g, w, "value.bias");
        g.Node.Add(Node("Gemm", [h, "head.weight", "head.bias"], ["head_out"], Int("transB", 1)));
        g.Node.Add(Node("Gemm", [h, "value.weight", "value.bias"], ["value_out"], Int("transB", 1))); // [N, 1]
        if (s.Dueling)
        {
            // Q = V + A - mean(A); value = max_a Q; probabilities = softmax(Q / T).
            g.Node.Add(Node("ReduceMean", ["head_out"], ["advantage_mean"], Ints("axes", 1), Int("keepdims", 1)));
            g.Node.Add(Node("Sub", ["head_out", "advantage_mean"], ["advantage_centred"]));
            g.Node.Add(Node("Add", ["value_out", "advantage_centred"], [PolicyOnnxNames.ActionScores]));
            g.Node.Add(Node("ReduceMax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Value], Ints("axes", 1), Int("keepdims", 0)));
            g.Initializer.Add(Floats("temperature", [(float)card.Temperature], [1]));
            g.Node.Add(Node("Div", [PolicyOnnxNames.ActionScores, "temperature"], ["tempered"]));
            g.Node.Add(Node("Softmax", ["tempered"], [PolicyOnnxNames.Probabilities], Int("axis", 1)));
        }
        else
        {
            g.Node.Add(Node("Identity", ["head_out"], [PolicyOnnxNames.ActionScores]));
            g.Initializer.Add(new TensorProto { Name = "flat", DataType = 7, Dims = { 1 }, Int64Data = { -1 } });
            g.Node.Add(Node("Reshape", ["value_out", "flat"], [PolicyOnnxNames.Value]));
            g.Node.Add(Node("Softmax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Probabilities], Int("axis", 1)));
        }

        g.Node.Add(Node("ReduceMax", [PolicyOnnxNames.Probabilities], [PolicyOnnxNames.Confidence], Ints("axes", 1), Int("keepdims", 0)));
        g.Output.Add(ValueInfo(PolicyOnnxNames.ActionScores, s.Actions));
        g.Output.Add(ValueInfo(PolicyOnnxNames.Probabilities, s.Actions));
        g.Output.Add(ValueInfo(PolicyOnnxNames.Confidence));
        g.Output.Add(ValueInfo(PolicyOnnxNames.Value));

        var proto = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "TradingDashboard.Trainer",
            ProducerVersion = CnnOnnxExporter.TrainerVersion(),
            Graph = g,
            DocString = s.Dueling
                ? "RL policy (double dueling DQN): normalization -> MLP -> Q = V + A - mean(A); probabilities = softmax(Q / temperature)."
                : "RL policy (PPO actor-critic): normalization -> MLP -> policy logits and value.",
        };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        proto.MetadataProps.Add(new StringStringEntryProto { Key = PolicyModelCard.MetadataKey, Value = card.ToJson() });
        return proto;
    }

    private static void Add(GraphProto g, IReadOnlyDictionary<string, (float[] Values, long[] Shape)> weights, string name)
    {
        if (!weights.TryGetValue(name, out var weight))
        {
            throw new InvalidOperationException($"The network has no parameter '{name}' (has: {string.Join(", ", weights.Keys)}).");
        }

        g.Initializer.Add(Floats(name, weight.Values, weight.Shape));
    }

    private static ValueInfoProto ValueInfo(string name, params long[] rest) => FloatValue(name, [-1, .. rest]);
}
