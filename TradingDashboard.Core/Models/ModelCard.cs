using System.Text.Json;
using System.Text.Json.Serialization;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The contract a model file carries beside it (<c>onnx/NAME.json</c>, and the same JSON in the ONNX metadata under
/// <see cref="MetadataKey"/>): what it was trained on, what it expects and returns, and how good it was. The host refuses a
/// model whose <see cref="FeatureSchemaHash"/> differs from the running feature schema, and promotes a new model only if
/// its <see cref="GateScore"/> is at least the current one's.
/// </summary>
public sealed record ModelCard
{
    public const string MetadataKey = "trading_dashboard_model_card";

    /// <summary>Registry name: the ONNX file name without extension, e.g. "cnn-pivot" or "fasttree-1m".</summary>
    public required string Name { get; init; }

    /// <summary><see cref="ModelKinds"/>: "cnn" or "fasttree".</summary>
    public required string Kind { get; init; }

    /// <summary>Version of this model (e.g. the UTC training time "20261127T1530Z"); changes with every training run.</summary>
    public required string Version { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    /// <summary>The trainer assembly's informational version (and git commit when known).</summary>
    public required string TrainerVersion { get; init; }

    /// <summary>SHA-256 of the feature schema the model was trained with (FeatureSchema.Hash).</summary>
    public required string FeatureSchemaHash { get; init; }

    public required int Opset { get; init; }

    /// <summary>
    /// How the model's input is made from a feature frame: <see cref="InputKinds.Frame"/> (the frame's values as they are,
    /// shape [batch, symbols, timeframes, window, features]) or <see cref="InputKinds.FrameSummary"/> (see FrameSummaryFeatures).
    /// </summary>
    public required string InputKind { get; init; }

    public required IReadOnlyList<TensorSpec> Inputs { get; init; }

    public required IReadOnlyList<TensorSpec> Outputs { get; init; }

    /// <summary>Timeframe codes the model predicts, in the order of its heads (CNN: all four; FastTree: one).</summary>
    public required IReadOnlyList<string> Timeframes { get; init; }

    /// <summary>Class order of every probability output: always ["none", "high", "low"].</summary>
    public IReadOnlyList<string> Classes { get; init; } = ["none", "high", "low"];

    /// <summary>Per timeframe code, the name of the output holding the [batch, 3] class probabilities.</summary>
    public required IReadOnlyDictionary<string, string> ProbabilityOutputs { get; init; }

    /// <summary>The [batch, timeframes] confidence output (CNN), or null when the model has none (confidence = top probability).</summary>
    public string? ConfidenceOutput { get; init; }

    /// <summary>The [batch, hidden] representation output (CNN), or null.</summary>
    public string? HiddenOutput { get; init; }

    public required PivotLabelSettings Labels { get; init; }

    public required TrainingDataInfo Data { get; init; }

    public ModelMetrics? Validation { get; init; }

    public ModelMetrics? Test { get; init; }

    /// <summary>The number the promotion gate compares: mean F1 of the high and low classes on the validation split, over the labelled timeframes.</summary>
    public required double GateScore { get; init; }

    public IReadOnlyList<EpochMetrics> Epochs { get; init; } = [];

    /// <summary>SHA-256 of the .onnx file (hex), checked when the registry loads it.</summary>
    public string? OnnxSha256 { get; init; }

    /// <summary>Anything a reader must know (e.g. "1s labels absent: no 1s history").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Parses a card; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static ModelCard FromJson(string json, string source = "model card")
    {
        ModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(json, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} is not a valid model card: {ex.Message}", ex);
        }

        if (card is null)
        {
            throw new InvalidDataException($"{source} is empty.");
        }

        if (card.Kind is not (ModelKinds.Cnn or ModelKinds.FastTree))
        {
            throw new InvalidDataException($"{source}: unknown model kind '{card.Kind}'.");
        }

        if (card.FeatureSchemaHash.Length != 64)
        {
            throw new InvalidDataException($"{source}: featureSchemaHash must be 64 hex characters.");
        }

        foreach (var timeframe in card.Timeframes)
        {
            if (!card.ProbabilityOutputs.ContainsKey(timeframe))
            {
                throw new InvalidDataException($"{source}: no probability output named for timeframe {timeframe}.");
            }
        }

        return card;
    }

    public static ModelCard Read(string path) => FromJson(File.ReadAllText(path), path);

    public void Write(string path) => File.WriteAllText(path, ToJson());
}

public static class ModelKinds
{
    public const string Cnn = "cnn";
    public const string FastTree = "fasttree";
}

public static class InputKinds
{
    public const string Frame = "frame";
    public const string FrameSummary = "frame-summary";
}

/// <summary>A model input or output. Shape uses -1 for a dynamic dimension (batch).</summary>
public sealed record TensorSpec(string Name, string ElementType, IReadOnlyList<long> Shape, string? Description = null);

/// <summary>Where the training data came from, and a SHA-256 over the training samples (values and labels) so a card names its data exactly.</summary>
public sealed record TrainingDataInfo(
    IReadOnlyList<string> Symbols,
    DateTimeOffset FromUtc,
    DateTimeOffset ToUtc,
    string Sha256,
    int TrainSamples,
    int ValidationSamples,
    int TestSamples,
    string? Source = null);

/// <summary>Precision, recall and F1 of one class on one timeframe.</summary>
public sealed record ClassMetrics(string Timeframe, string Class, double Precision, double Recall, double F1, int Support);

public sealed record ModelMetrics(double Loss, double PivotF1, IReadOnlyList<ClassMetrics> Classes);

public sealed record EpochMetrics(int Epoch, double TrainLoss, double ValidationLoss, double ValidationPivotF1, double Seconds, double LearningRate);
