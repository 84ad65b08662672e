using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Trainer.Cnn;
using static TradingDashboard.Trainer.Onnx.OnnxProto;

namespace TradingDashboard.Trainer.Gate;

/// <summary>What a gate card records beyond what the exporter fills in (experts, feature names, opset, trainer version, hash).</summary>
public sealed record GateCardInfo(
    string Name,
    string Version,
    DateTimeOffset CreatedUtc,
    TrainingDataInfo Data,
    int Seed,
    GateEvaluation? Validation,
    IReadOnlyList<string> Notes);

/// <summary>
/// Writes a <see cref="GateNetwork"/> as ONNX in pure C# (OnnxSharp), opset 17: input <see cref="GateOnnxNames.Features"/>
/// float [batch, F], Gemm -> Tanh -> Gemm -> Softmax(axis 1), output <see cref="GateOnnxNames.Weights"/> float
/// [batch, E], the plain softmax over all experts of the card (the host masks the absent ones and renormalizes, as the
/// <see cref="GateOnnxNames"/> contract says). The <see cref="GateModelCard"/> goes into the ONNX metadata under
/// <see cref="GateModelCard.MetadataKey"/> (without OnnxSha256) and beside the file as NAME.json with the file's SHA-256.
/// </summary>
public static class GateOnnxExporter
{
    public const int Opset = 17;


    /// <summary>Exports <paramref name="network"/> to <paramref name="onnxPath"/> and writes the card beside it; returns the card as written.</summary>
    public static GateModelCard Export(GateNetwork network, IReadOnlyList<string> experts, GateCardInfo info, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(onnxPath);
        if (experts.Count != network.Shape.Experts)
        {
            throw new ArgumentException($"{experts.Count} expert names for a gate of {network.Shape.Experts} experts.", nameof(experts));
        }

        var card = new GateModelCard
        {
            Name = info.Name,
            Version = info.Version,
            CreatedUtc = info.CreatedUtc,
            TrainerVersion = CnnOnnxExporter.TrainerVersion(),
            Opset = Opset,
            Experts = experts.ToList(),
            FeatureNames = GateFeatureEncoder.Names(experts),
            Data = info.Data,
            Seed = info.Seed,
            Validation = info.Validation,
            Notes = info.Notes,
        };

        var proto = BuildModel(network, new Dictionary<string, string> { [GateModelCard.MetadataKey] = card.ToJson() });
        var directory = Path.GetDirectoryName(Path.GetFullPath(onnxPath));
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var bytes = proto.ToByteArray();
        File.WriteAllBytes(onnxPath, bytes);
        card = card with { OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        card.Write(CardPath(onnxPath));
        return card;
    }

    /// <summary>onnx/gate/NAME.onnx -> onnx/gate/NAME.json.</summary>
    public static string CardPath(string onnxPath) => Path.ChangeExtension(onnxPath, ".json");

    /// <summary>The ONNX graph of <paramref name="network"/> with its current weights.</summary>
    public static ModelProto BuildModel(GateNetwork network, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(metadata);
        var s = network.Shape;
        var w = network.Weights();
        var g = new GraphProto { Name = "gate" };
        g.Input.Add(ValueInfo(GateOnnxNames.Features, s.Features));
        foreach (var name in new[] { "hidden_weight", "hidden_bias", "output_weight", "output_bias" })
        {
            if (!w.TryGetValue(name, out var weight))
            {
                throw new InvalidOperationException($"The gate network has no parameter '{name}' (has: {string.Join(", ", w.Keys)}).");
            }

            var tensor = new TensorProto { Name = name, DataType = FloatType };
            tensor.Dims.AddRange(weight.Shape);
            tensor.RawData = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(weight.Values.AsSpan()));
            g.Initializer.Add(tensor);
        }

        g.Node.Add(Node("Gemm", [GateOnnxNames.Features, "hidden_weight", "hidden_bias"], ["hidden_linear"], Int("transB", 1)));
        g.Node.Add(Node("Tanh", ["hidden_linear"], ["hidden"]));
        g.Node.Add(Node("Gemm", ["hidden", "output_weight", "output_bias"], ["logits"], Int("transB", 1)));
        g.Node.Add(Node("Softmax", ["logits"], [GateOnnxNames.Weights], Int("axis", 1)));
        g.Output.Add(ValueInfo(GateOnnxNames.Weights, s.Experts));

        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "TradingDashboard.Trainer",
            ProducerVersion = CnnOnnxExporter.TrainerVersion(),
            Graph = g,
            DocString = "Mixture-of-experts gate: features -> Gemm -> Tanh -> Gemm -> Softmax over experts (unmasked; the host zeroes absent experts and renormalizes).",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        foreach (var (key, value) in metadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model;
    }

    private static ValueInfoProto ValueInfo(string name, long width) => FloatValue(name, -1, width);
}
