using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using static TradingDashboard.Trainer.Onnx.OnnxProto;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>What a CNN model card records beyond its ONNX contract (which the exporter fills in itself).</summary>
public sealed record CnnCardInfo(
    string Name,
    string Version,
    DateTimeOffset CreatedUtc,
    PivotLabelSettings Labels,
    TrainingDataInfo Data,
    ModelMetrics? Validation,
    ModelMetrics? Test,
    double GateScore,
    IReadOnlyList<EpochMetrics> Epochs,
    IReadOnlyList<string> Notes);

/// <summary>
/// Writes a <see cref="PivotCnn"/> as an ONNX model in pure C# (OnnxSharp protobuf classes): the same graph node by node,
/// opset 17, input "frame" [batch, S, T, W, F] float with a dynamic batch, outputs "probs_TF" ([batch, 3] softmax
/// probabilities none/high/low, one per schema timeframe), "confidence" [batch, T] (sigmoid) and "hidden" [batch, H]. The
/// card JSON goes into the ONNX metadata (under <see cref="ModelCard.MetadataKey"/>, without OnnxSha256, which cannot
/// name the file that holds it) and beside the file as NAME.json with the file's SHA-256.
/// </summary>
public static class CnnOnnxExporter
{
    public const int Opset = 17;
    public const string InputName = "frame";
    public const string ConfidenceName = "confidence";
    public const string HiddenName = "hidden";
    public const string SchemaHashMetadataKey = "feature_schema_hash";

    // ONNX TensorProto.DataType values.

    public static string ProbabilityOutputName(string timeframeCode) => "probs_" + timeframeCode;

    public static string ProbabilityOutputName(Timeframe timeframe) => ProbabilityOutputName(timeframe.ToCode());

    public static IReadOnlyList<TensorSpec> InputSpecs(PivotCnnShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return [new TensorSpec(InputName, "float32", [-1, shape.Symbols, shape.Timeframes, shape.Window, shape.Features], "Feature frame values [batch, symbols, timeframes, window, features] as FeatureFrame.Values (masked values 0).")];
    }

    public static IReadOnlyList<TensorSpec> OutputSpecs(PivotCnnShape shape, IReadOnlyList<string> timeframeCodes)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(timeframeCodes);
        var outputs = timeframeCodes
            .Select(code => new TensorSpec(ProbabilityOutputName(code), "float32", [-1, 3], $"{code}: probabilities of the next pivot within the horizon being none, high, low (softmax)."))
            .ToList();
        outputs.Add(new TensorSpec(ConfidenceName, "float32", [-1, shape.Timeframes], "Per timeframe (schema order): probability that the top class is right (sigmoid)."));
        outputs.Add(new TensorSpec(HiddenName, "float32", [-1, shape.Hidden], "Attention context vector before the heads (for the RL agent)."));
        return outputs;
    }

    /// <summary>Exports <paramref name="model"/> to <paramref name="onnxPath"/> and writes the card beside it; returns the card as written.</summary>
    public static ModelCard Export(PivotCnn model, FeatureSchema schema, CnnCardInfo info, string onnxPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(onnxPath);
        var codes = schema.Timeframes.Select(t => t.ToCode()).ToList();
        var card = new ModelCard
        {
            Name = info.Name,
            Kind = ModelKinds.Cnn,
            Version = info.Version,
            CreatedUtc = info.CreatedUtc,
            TrainerVersion = TrainerVersion(),
            FeatureSchemaHash = schema.Hash,
            Opset = Opset,
            InputKind = InputKinds.Frame,
            Inputs = InputSpecs(model.Shape),
            Outputs = OutputSpecs(model.Shape, codes),
            Timeframes = codes,
            ProbabilityOutputs = codes.ToDictionary(c => c, ProbabilityOutputName, StringComparer.Ordinal),
            ConfidenceOutput = ConfidenceName,
            HiddenOutput = HiddenName,
            Labels = info.Labels,
            Data = info.Data,
            Validation = info.Validation,
            Test = info.Test,
            GateScore = info.GateScore,
            Epochs = info.Epochs,
            Notes = info.Notes,
        };

        var proto = BuildModel(model, codes, new Dictionary<string, string>
        {
            [ModelCard.MetadataKey] = card.ToJson(),
            [SchemaHashMetadataKey] = schema.Hash,
        });
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

    /// <summary>onnx/NAME.onnx -> onnx/NAME.json.</summary>
    public static string CardPath(string onnxPath) => Path.ChangeExtension(onnxPath, ".json");

    public static string TrainerVersion()
    {
        var assembly = typeof(CnnOnnxExporter).Assembly;
        var informational = assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return "TradingDashboard.Trainer " + (informational ?? assembly.GetName().Version?.ToString() ?? "unknown");
    }

    /// <summary>The ONNX graph of <paramref name="model"/> with its current weights.</summary>
    public static ModelProto BuildModel(PivotCnn model, IReadOnlyList<string> timeframeCodes, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(timeframeCodes);
        ArgumentNullException.ThrowIfNull(metadata);
        var s = model.Shape;
        if (timeframeCodes.Count != s.Timeframes)
        {
            throw new ArgumentException($"{timeframeCodes.Count} timeframe codes for a model with {s.Timeframes} timeframes.", nameof(timeframeCodes));
        }

        var w = model.Weights();
        var g = new GraphProto { Name = "pivot_cnn" };
        g.Input.Add(ValueInfo(InputName, Dims("batch", s.Symbols, s.Timeframes, s.Window, s.Features)));

        // [N, S, T, W, F] -> [N, S*T, W, F] -> [N, S*T, F, W] -> [N, C, W] (channel (s*T + t)*F + f, as in PivotCnn).
        g.Initializer.Add(Int64s("shape_blocks", [0, s.Symbols * s.Timeframes, s.Window, s.Features]));
        g.Initializer.Add(Int64s("shape_channels", [0, s.InputChannels, s.Window]));
        g.Node.Add(Node("Reshape", [InputName, "shape_blocks"], ["blocks"]));
        g.Node.Add(Node("Transpose", ["blocks"], ["blocks_t"], Ints("perm", 0, 1, 3, 2)));
        g.Node.Add(Node("Reshape", ["blocks_t", "shape_channels"], ["channels"]));

        var pad = s.KernelSize / 2;
        AddWeight(g, w, "conv1.weight");
        AddWeight(g, w, "conv1.bias");
        AddWeight(g, w, "conv2.weight");
        AddWeight(g, w, "conv2.bias");
        g.Node.Add(Node("Conv", ["channels", "conv1.weight", "conv1.bias"], ["conv1"], Ints("kernel_shape", s.KernelSize), Ints("pads", pad, pad), Ints("strides", 1), Ints("dilations", 1), Int("group", 1)));
        g.Node.Add(Node("Relu", ["conv1"], ["relu1"]));
        g.Node.Add(Node("Conv", ["relu1", "conv2.weight", "conv2.bias"], ["conv2"], Ints("kernel_shape", s.KernelSize), Ints("pads", pad, pad), Ints("strides", 1), Ints("dilations", 1), Int("group", 1)));
        g.Node.Add(Node("Relu", ["conv2"], ["relu2"]));

        // GRU (layout 0): X [W, N, C]. PyTorch gate blocks are (r, z, n), ONNX's (z, r, h): swap the first two blocks.
        // linear_before_reset=1 is PyTorch's n = tanh(W_in x + b_in + r * (W_hn h + b_hn)).
        var h = s.Hidden;
        g.Node.Add(Node("Transpose", ["relu2"], ["sequence"], Ints("perm", 2, 0, 1)));
        var (wih, _) = w["gru.weight_ih_l0"];
        var (whh, _) = w["gru.weight_hh_l0"];
        var (bih, _) = w["gru.bias_ih_l0"];
        var (bhh, _) = w["gru.bias_hh_l0"];
        g.Initializer.Add(Floats("gru.W", SwapGateBlocks(wih, h * s.ConvChannels), [1, 3 * h, s.ConvChannels]));
        g.Initializer.Add(Floats("gru.R", SwapGateBlocks(whh, h * h), [1, 3 * h, h]));
        g.Initializer.Add(Floats("gru.B", [.. SwapGateBlocks(bih, h), .. SwapGateBlocks(bhh, h)], [1, 6 * h]));
        g.Node.Add(Node("GRU", ["sequence", "gru.W", "gru.R", "gru.B"], ["gru_y"], Int("hidden_size", h), Int("linear_before_reset", 1)));
        g.Initializer.Add(Int64s("axis_1", [1]));
        g.Node.Add(Node("Squeeze", ["gru_y", "axis_1"], ["gru_seq"])); // [W, N, H]
        g.Node.Add(Node("Transpose", ["gru_seq"], ["states"], Ints("perm", 1, 0, 2))); // [N, W, H]

        // Additive attention: softmax over time of v . tanh(A h_t + a), context = sum_t alpha_t h_t.
        g.Initializer.Add(Transposed("attention.weight_t", w["attention.weight"]));
        AddWeight(g, w, "attention.bias");
        g.Initializer.Add(Transposed("attentionScore.weight_t", w["attentionScore.weight"]));
        g.Node.Add(Node("MatMul", ["states", "attention.weight_t"], ["att_mm"]));
        g.Node.Add(Node("Add", ["att_mm", "attention.bias"], ["att_lin"]));
        g.Node.Add(Node("Tanh", ["att_lin"], ["att_tanh"]));
        g.Node.Add(Node("MatMul", ["att_tanh", "attentionScore.weight_t"], ["att_scores"])); // [N, W, 1]
        g.Node.Add(Node("Softmax", ["att_scores"], ["att_weights"], Int("axis", 1)));
        g.Node.Add(Node("Mul", ["states", "att_weights"], ["att_weighted"]));
        g.Node.Add(Node("ReduceSum", ["att_weighted", "axis_1"], [HiddenName], Int("keepdims", 0)));

        for (var t = 0; t < s.Timeframes; t++)
        {
            var output = ProbabilityOutputName(timeframeCodes[t]);
            AddWeight(g, w, $"heads.{t}.weight");
            AddWeight(g, w, $"heads.{t}.bias");
            g.Node.Add(Node("Gemm", [HiddenName, $"heads.{t}.weight", $"heads.{t}.bias"], [$"logits_{t}"], Int("transB", 1)));
            g.Node.Add(Node("Softmax", [$"logits_{t}"], [output], Int("axis", 1)));
            g.Output.Add(ValueInfo(output, Dims("batch", 3)));
        }

        AddWeight(g, w, "confidence.weight");
        AddWeight(g, w, "confidence.bias");
        g.Node.Add(Node("Gemm", [HiddenName, "confidence.weight", "confidence.bias"], ["confidence_logits"], Int("transB", 1)));
        g.Node.Add(Node("Sigmoid", ["confidence_logits"], [ConfidenceName]));
        g.Output.Add(ValueInfo(ConfidenceName, Dims("batch", s.Timeframes)));
        g.Output.Add(ValueInfo(HiddenName, Dims("batch", h)));

        var model_ = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "TradingDashboard.Trainer",
            ProducerVersion = TrainerVersion(),
            Graph = g,
            DocString = "Pivot CNN: Conv1d x2 -> GRU -> additive attention -> per-timeframe heads (none, high, low), confidence, hidden.",
        };
        model_.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        foreach (var (key, value) in metadata)
        {
            model_.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        }

        return model_;
    }

    /// <summary>Swaps the first two of three equal blocks: PyTorch (r, z, n) to ONNX (z, r, h).</summary>
    internal static float[] SwapGateBlocks(float[] values, int blockLength)
    {
        if (values.Length != 3 * blockLength)
        {
            throw new ArgumentException($"Expected 3 blocks of {blockLength} values, got {values.Length}.", nameof(values));
        }

        var result = new float[values.Length];
        values.AsSpan(blockLength, blockLength).CopyTo(result);
        values.AsSpan(0, blockLength).CopyTo(result.AsSpan(blockLength));
        values.AsSpan(2 * blockLength, blockLength).CopyTo(result.AsSpan(2 * blockLength));
        return result;
    }

    private static void AddWeight(GraphProto g, IReadOnlyDictionary<string, (float[] Values, long[] Shape)> weights, string name)
    {
        if (!weights.TryGetValue(name, out var weight))
        {
            throw new InvalidOperationException($"The model has no parameter '{name}' (has: {string.Join(", ", weights.Keys)}).");
        }

        g.Initializer.Add(Floats(name, weight.Values, weight.Shape));
    }

    private static TensorProto Transposed(string name, (float[] Values, long[] Shape) weight)
    {
        var (rows, cols) = ((int)weight.Shape[0], (int)weight.Shape[1]);
        var result = new float[weight.Values.Length];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < cols; c++)
            {
                result[(c * rows) + r] = weight.Values[(r * cols) + c];
            }
        }

        return Floats(name, result, [cols, rows]);
    }

    private static TensorShapeProto Dims(string batchName, params long[] rest)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchName });
        foreach (var d in rest)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return shape;
    }

    private static ValueInfoProto ValueInfo(string name, TensorShapeProto shape) => new()
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = shape } },
    };
}
