using System.Globalization;
using System.Text.Json;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;

namespace TradingDashboard.Core.Orchestration;

/// <summary>
/// The ONNX interface of the trained gate: input <see cref="Features"/> float32 [N, feature count] (encoded by
/// <see cref="GateFeatureEncoder"/> for the card's experts), output <see cref="Weights"/> float32 [N, expert count]
/// (softmax, before masking). The host zeroes the weights of experts that abstained and renormalizes (docs/orchestrator.md).
/// </summary>
public static class GateOnnxNames
{
    public const string Features = "features";
    public const string Weights = "weights";
}

/// <summary>
/// The fixed encoding of a <see cref="GateContext"/> for the trained gate, shared by the trainer and the host. Values:
/// the volatility regime one-hot (unknown, low, normal, high), the short/long volatility ratio (clamped to 0..5, 0 when
/// unknown); then per expert of <c>experts</c> (in that order): present (1 when the expert voted and did not abstain),
/// direction (+1 Buy, -1 Sell, 0 Hold), confidence, recent accuracy (0.5 without a record), scored share
/// (min(scored / 100, 1)). An expert missing from the context is encoded as absent (all 0, accuracy 0.5).
/// </summary>
public static class GateFeatureEncoder
{
    public const int ContextValues = 5;
    public const int PerExpert = 5;

    public static int Length(int experts) => ContextValues + PerExpert * experts;

    public static IReadOnlyList<string> Names(IReadOnlyList<string> experts)
    {
        ArgumentNullException.ThrowIfNull(experts);
        var names = new List<string>(Length(experts.Count)) { "regime.unknown", "regime.low", "regime.normal", "regime.high", "vol.ratio" };
        foreach (var expert in experts)
        {
            names.AddRange([$"{expert}.present", $"{expert}.direction", $"{expert}.confidence", $"{expert}.accuracy", $"{expert}.scored"]);
        }

        return names;
    }

    public static void Encode(GateContext context, IReadOnlyList<string> experts, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(experts);
        if (destination.Length < Length(experts.Count))
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the encoding needs {Length(experts.Count)}.", nameof(destination));
        }

        destination[..Length(experts.Count)].Clear();
        destination[(int)context.Volatility.Kind] = 1f;
        if (context.Volatility is { ShortVolatility: { } s, LongVolatility: { } l } && l > 0 && double.IsFinite(s / l))
        {
            destination[4] = (float)Math.Clamp(s / l, 0, 5);
        }

        for (var k = 0; k < experts.Count; k++)
        {
            var o = ContextValues + k * PerExpert;
            destination[o + 3] = 0.5f;
            ExpertGateInput? input = null;
            foreach (var candidate in context.Experts)
            {
                if (string.Equals(candidate.Expert, experts[k], StringComparison.Ordinal))
                {
                    input = candidate;
                    break;
                }
            }

            if (input is null)
            {
                continue;
            }

            if (!input.Vote.Abstained)
            {
                destination[o] = 1f;
                destination[o + 1] = input.Vote.Direction;
                destination[o + 2] = (float)input.Vote.Confidence;
            }

            destination[o + 3] = (float)(input.Accuracy ?? 0.5);
            destination[o + 4] = (float)Math.Min(input.Scored / 100.0, 1.0);
        }
    }
}

/// <summary>A gate's result on decisions it did not train on.</summary>
/// <param name="CombinedReturn">Mean over the decisions of net x r, with net = sum_i w_i c_i d_i the combined signed
/// vote and r the realized forward return: what following the combined vote earned per decision, before fees.</param>
/// <param name="BaselineReturn">The same for the recent-accuracy gate on the same decisions.</param>
/// <param name="HitRate">Share of decisions with a non-zero combined vote whose direction matched the forward return.</param>
public sealed record GateEvaluation(int Decisions, double CombinedReturn, double BaselineReturn, double HitRate, DateTimeOffset FromUtc, DateTimeOffset ToUtc);

/// <summary>The card of a trained gate, beside the ONNX file and in its metadata under <see cref="MetadataKey"/>.</summary>
public sealed record GateModelCard
{
    public const string MetadataKey = "trading_dashboard_gate_card";
    public const string KindName = "gate";

    public required string Name { get; init; }

    public string Kind { get; init; } = KindName;

    public required string Version { get; init; }

    public required DateTimeOffset CreatedUtc { get; init; }

    public required string TrainerVersion { get; init; }

    public required int Opset { get; init; }

    /// <summary>The experts the gate weighs, in output order.</summary>
    public required IReadOnlyList<string> Experts { get; init; }

    /// <summary><see cref="GateFeatureEncoder.Names"/> of <see cref="Experts"/>.</summary>
    public required IReadOnlyList<string> FeatureNames { get; init; }

    /// <summary>Where the decisions came from ("backtest", "paper", "live") and their span.</summary>
    public required TrainingDataInfo Data { get; init; }

    public required int Seed { get; init; }

    public GateEvaluation? Validation { get; init; }

    public string? OnnxSha256 { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, ModelCard.JsonOptions);

    /// <summary>Parses a card; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static GateModelCard FromJson(string json, string source = "gate card")
    {
        GateModelCard? card;
        try
        {
            card = JsonSerializer.Deserialize<GateModelCard>(json, ModelCard.JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} is not a valid gate card: {ex.Message}", ex);
        }

        if (card is null)
        {
            throw new InvalidDataException($"{source} is empty.");
        }

        if (!string.Equals(card.Kind, KindName, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: kind is '{card.Kind}', expected '{KindName}'.");
        }

        if (card.Experts.Count == 0 || card.Experts.Distinct(StringComparer.Ordinal).Count() != card.Experts.Count)
        {
            throw new InvalidDataException($"{source}: experts must be a non-empty list of distinct names.");
        }

        if (!card.FeatureNames.SequenceEqual(GateFeatureEncoder.Names(card.Experts), StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{source}: featureNames do not match the encoder's names for experts {string.Join(',', card.Experts)}.");
        }

        return card;
    }

    public static GateModelCard Read(string path) => FromJson(File.ReadAllText(path), path);

    public void Write(string path) => File.WriteAllText(path, ToJson());
}

/// <summary>
/// One orchestrator decision with its realized outcome: what the gate saw, what it weighed, what was decided, and the
/// symbol's forward return over <see cref="HorizonBars"/> decision bars once known. The training data of the gate.
/// </summary>
/// <param name="Mode">"live", "paper" or "backtest".</param>
/// <param name="Close">The decision bar's close.</param>
/// <param name="ForwardReturn">close(t + horizon) / close(t) - 1; null until resolved.</param>
public sealed record DecisionOutcome(
    GateContext Context,
    string Gate,
    IReadOnlyList<double> Weights,
    AgentAction Action,
    double Confidence,
    DecisionKind Kind,
    string Mode,
    double Close,
    int HorizonBars,
    double? ForwardReturn,
    DateTimeOffset? ResolvedAt)
{
    public string Describe() => string.Create(CultureInfo.InvariantCulture, $"{Context.Symbol} {Context.Time:O} {Action} {Confidence:0.000} r={ForwardReturn}");
}

/// <summary>What the background retraining asks of the trainer for the gate.</summary>
/// <param name="Decisions">Resolved decisions, oldest first.</param>
/// <param name="IncumbentOnnxPath">The trained gate in use (null: the recent-accuracy gate is the incumbent).</param>
/// <param name="ValidationFraction">The newest share of the decisions kept out of training for the walk-forward comparison.</param>
public sealed record GateRetrainRequest(
    IReadOnlyList<DecisionOutcome> Decisions,
    IReadOnlyList<string> Experts,
    string? IncumbentOnnxPath,
    string OutputDirectory,
    string ModelName,
    int Seed,
    double ValidationFraction,
    string Trigger);

/// <summary>Outcome of a gate retraining: the candidate's and the incumbent's results on the same newest decisions.</summary>
public sealed record GateRetrainResult(bool Succeeded, string? OnnxPath, GateEvaluation? Candidate, GateEvaluation? Incumbent, string Message);

/// <summary>Trains a gate in the background (implemented by the trainer project).</summary>
public interface IGateTrainer
{
    Task<GateRetrainResult> RetrainAsync(GateRetrainRequest request, CancellationToken cancellationToken);
}
