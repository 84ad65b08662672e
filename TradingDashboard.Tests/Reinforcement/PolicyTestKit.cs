using System.Security.Cryptography;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Onnx;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Core.Reinforcement;
using static TradingDashboard.Trainer.Onnx.OnnxProto;

namespace TradingDashboard.Tests.Reinforcement;

/// <summary>
/// A linear policy: scores = x·W + b (W is [inputs, 3] row-major), probabilities = softmax(scores), confidence = max
/// probability, value = max score. <see cref="Forward"/> computes the same in plain C#, independently of ONNX Runtime.
/// </summary>
internal sealed record TinyPolicy(int Inputs, float[] Weights, float[] Bias)
{
    public static TinyPolicy Random(int inputs, int seed, float scale = 0.5f)
    {
        var random = new Random(seed);
        return new TinyPolicy(
            inputs,
            Enumerable.Range(0, inputs * 3).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray(),
            Enumerable.Range(0, 3).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray());
    }

    /// <summary>Always the same action: all weights 0, a bias that prefers <paramref name="action"/>.</summary>
    public static TinyPolicy Always(int inputs, AgentAction action)
    {
        var bias = new float[3];
        bias[(int)action] = 2f;
        return new TinyPolicy(inputs, new float[inputs * 3], bias);
    }

    public (double[] Scores, double[] Probabilities, int Action, double Confidence, double Value) Forward(IReadOnlyList<float> x)
    {
        var scores = new double[3];
        for (var j = 0; j < 3; j++)
        {
            double sum = Bias[j];
            for (var i = 0; i < Inputs; i++)
            {
                sum += x[i] * Weights[(i * 3) + j];
            }

            scores[j] = sum;
        }

        var max = scores.Max();
        var e = scores.Select(s => Math.Exp(s - max)).ToArray();
        var probabilities = e.Select(v => v / e.Sum()).ToArray();
        var action = Array.IndexOf(probabilities, probabilities.Max());
        return (scores, probabilities, action, probabilities[action], scores.Max());
    }
}

internal static class PolicyTestKit
{
    public const string Symbol = "ETHUSDT";

    public static OnnxSessionFactory Sessions() =>
        new(Options.Create(new ModelsOptions { UseCuda = false }), NullLogger<OnnxSessionFactory>.Instance);

    public static TrainingDataInfo Data() => new([Symbol], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new string('0', 64), 1, 1, 1);

    public static RlEvaluation Evaluation(double sharpe) =>
        new(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), Symbol, 0.01, sharpe, sharpe, 0.05, 3, 1.5, 100);

    public static PolicyModelCard Card(string name, RlObservationSpec spec, IReadOnlyList<string> names, double? validationSharpe = null, DateTimeOffset? created = null, bool shortEnabled = false) => new()
    {
        Name = name,
        Kind = PolicyKinds.Ppo,
        Version = "1",
        CreatedUtc = created ?? DateTimeOffset.UnixEpoch,
        TrainerVersion = "tests",
        Opset = 17,
        Observation = spec,
        ObservationNames = names,
        StepTimeframe = "1m",
        ShortEnabled = shortEnabled,
        Data = Data(),
        Seed = 1,
        Episodes = 1,
        Validation = validationSharpe is { } s ? Evaluation(s) : null,
    };

    /// <summary>The names a spec gives (source names, then the position state), built as the trainer does.</summary>
    public static IReadOnlyList<string> Names(RlObservationSpec spec, ICnnPredictionSource? predictions = null) =>
        [.. spec.BuildSource(null, null, predictions ?? new CnnPredictionTable([])).Names, .. TradingEnvironment.PositionStateNames];

    /// <summary>Writes NAME.onnx (the card in its metadata unless <paramref name="embedded"/> says otherwise) and NAME.json with its SHA-256.</summary>
    public static string WritePolicy(string folder, PolicyModelCard card, TinyPolicy policy, PolicyModelCard? embedded = null, bool embed = true, int? inputWidth = null, bool writeCard = true)
    {
        Directory.CreateDirectory(folder);
        var width = inputWidth ?? policy.Inputs;
        var graph = new GraphProto { Name = card.Name };
        graph.Input.Add(Value(PolicyOnnxNames.Observation, [-1, width]));
        graph.Initializer.Add(Tensor("w", [width, 3], policy.Weights.Length == width * 3 ? policy.Weights : new float[width * 3]));
        graph.Initializer.Add(Tensor("b", [3], policy.Bias));
        graph.Node.Add(Node("Gemm", [PolicyOnnxNames.Observation, "w", "b"], [PolicyOnnxNames.ActionScores]));
        graph.Node.Add(Node("Softmax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Probabilities], Int("axis", 1)));
        graph.Node.Add(Node("ReduceMax", [PolicyOnnxNames.Probabilities], [PolicyOnnxNames.Confidence], Ints("axes", 1), Int("keepdims", 0)));
        graph.Node.Add(Node("ReduceMax", [PolicyOnnxNames.ActionScores], [PolicyOnnxNames.Value], Ints("axes", 1), Int("keepdims", 0)));
        graph.Output.Add(Value(PolicyOnnxNames.ActionScores, [-1, 3]));
        graph.Output.Add(Value(PolicyOnnxNames.Probabilities, [-1, 3]));
        graph.Output.Add(Value(PolicyOnnxNames.Confidence, [-1]));
        graph.Output.Add(Value(PolicyOnnxNames.Value, [-1]));
        var path = Path.Combine(folder, card.Name + ".onnx");
        Write(graph, path, embed ? (PolicyModelCard.MetadataKey, (embedded ?? card).ToJson()) : null);
        if (writeCard)
        {
            (card with { OnnxSha256 = Sha256(path) }).Write(Path.ChangeExtension(path, ".json"));
        }

        return path;
    }

    /// <summary>A gate network: weights = softmax(features·W + b), W [features, experts] row-major.</summary>
    public static string WriteGate(string folder, GateModelCard card, float[] weights, float[] bias)
    {
        Directory.CreateDirectory(folder);
        var inputs = GateFeatureEncoder.Length(card.Experts.Count);
        var graph = new GraphProto { Name = card.Name };
        graph.Input.Add(Value(GateOnnxNames.Features, [-1, inputs]));
        graph.Initializer.Add(Tensor("w", [inputs, card.Experts.Count], weights));
        graph.Initializer.Add(Tensor("b", [card.Experts.Count], bias));
        graph.Node.Add(Node("Gemm", [GateOnnxNames.Features, "w", "b"], ["logits"]));
        graph.Node.Add(Node("Softmax", ["logits"], [GateOnnxNames.Weights], Int("axis", 1)));
        graph.Output.Add(Value(GateOnnxNames.Weights, [-1, card.Experts.Count]));
        var path = Path.Combine(folder, card.Name + ".onnx");
        Write(graph, path, (GateModelCard.MetadataKey, card.ToJson()));
        (card with { OnnxSha256 = Sha256(path) }).Write(Path.ChangeExtension(path, ".json"));
        return path;
    }

    public static GateModelCard GateCard(string name, IReadOnlyList<string> experts, double? combinedReturn = null) => new()
    {
        Name = name,
        Version = "1",
        CreatedUtc = DateTimeOffset.UnixEpoch,
        TrainerVersion = "tests",
        Opset = 17,
        Experts = experts,
        FeatureNames = GateFeatureEncoder.Names(experts),
        Data = Data(),
        Seed = 1,
        Validation = combinedReturn is { } r ? new GateEvaluation(100, r, 0.0001, 0.5, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch) : null,
    };

    public static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    public static string TempFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "td-rl-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static void Write(GraphProto graph, string path, (string Key, string Value)? metadata)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "TradingDashboard.Tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = 17 });
        if (metadata is { } m)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = m.Key, Value = m.Value });
        }

        File.WriteAllBytes(path, model.ToByteArray());
    }

    private static TensorProto Tensor(string name, long[] dims, float[] values) => Floats(name, values, dims);

    private static ValueInfoProto Value(string name, long[] dims) => FloatValue(name, dims);
}
