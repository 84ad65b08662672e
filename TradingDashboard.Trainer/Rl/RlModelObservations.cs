using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.StrategyEvaluation;

namespace TradingDashboard.Trainer.Rl;

/// <summary>
/// The observations with feature frames and CNN predictions (<c>frame</c>, <c>bars+cnn</c>, <c>frame+cnn</c>): the spec
/// from the CNN's card, and the frames and predictions built offline the way live serving builds them
/// (<see cref="OfflinePredictions.BuildFromBars"/>: the host's data processor, the CNN through ONNX Runtime). Frames
/// exist for the primary symbol (the features' first symbol) only, as live; at a decision without a frame or
/// prediction (warm-up, no 1m history) the sources write 0 with present = 0, exactly as the host's RL expert does.
/// </summary>
public static class RlModelObservations
{
    /// <summary>The observation kinds <c>train rl --observation</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["bars", "frame", "bars+cnn", "frame+cnn"];

    /// <summary>
    /// The spec of an observation kind: 16 step returns with a 32-step volatility always; the schema's frame for
    /// <c>frame</c>; for <c>+cnn</c> the CNN card's heads of the anchor timeframe and longer (shorter heads have no
    /// history to learn from in this data) and its hidden-state size.
    /// </summary>
    public static RlObservationSpec Spec(string kind, FeatureSchema? schema, ModelCard? cnnCard, Timeframe anchorTimeframe)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var withFrame = kind is "frame" or "frame+cnn";
        var withCnn = kind is "bars+cnn" or "frame+cnn";
        if (!withFrame && !withCnn && kind != "bars")
        {
            throw new ArgumentException($"Unknown observation '{kind}' (expected {string.Join(", ", Kinds)}).", nameof(kind));
        }

        if (withFrame && schema is null)
        {
            throw new ArgumentException($"Observation {kind} needs the feature schema.", nameof(schema));
        }

        IReadOnlyList<string> heads = [];
        var hidden = 0;
        if (withCnn)
        {
            if (cnnCard is null)
            {
                throw new ArgumentException($"Observation {kind} needs the CNN's card.", nameof(cnnCard));
            }

            heads = cnnCard.Timeframes
                .Where(code => TimeframeExtensions.TryParse(code, out var tf) && tf >= anchorTimeframe)
                .ToList();
            if (heads.Count == 0)
            {
                throw new ArgumentException($"CNN {cnnCard.Name} predicts no timeframe of {anchorTimeframe.ToCode()} or longer.", nameof(cnnCard));
            }

            hidden = cnnCard.HiddenOutput is { } name && cnnCard.Outputs.FirstOrDefault(o => o.Name == name) is { Shape.Count: > 0 } output
                ? (int)output.Shape[^1]
                : 0;
        }

        return new RlObservationSpec(16, 32, withFrame ? schema!.Hash : null, false, heads, hidden);
    }

    /// <summary>Whether a spec needs frames or CNN predictions (not bar returns alone).</summary>
    public static bool NeedsModels(RlObservationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.FeatureSchemaHash is not null || spec.CnnTimeframes.Count > 0;
    }

    /// <summary>
    /// The inputs of <paramref name="spec"/>: frames of the primary symbol at every <paramref name="step"/> close from
    /// <paramref name="framesFrom"/> on (kept only when the spec observes them), and the CNN's prediction on each.
    /// Throws <see cref="InvalidOperationException"/> when the CNN is needed but missing or cannot score these frames.
    /// </summary>
    /// <param name="bars">Every bar the features need (all their symbols and timeframes; see <see cref="OfflinePredictions.WithHigherTimeframes"/>).</param>
    public static RlObservationInputs Build(
        RlObservationSpec spec,
        IEnumerable<OHLCVBar> bars,
        FeatureSettings features,
        DateTimeOffset framesFrom,
        Timeframe step,
        string? cnnOnnxPath,
        Func<FeatureSchema, IPivotModelFactory>? factory = null,
        IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(features);
        if (!NeedsModels(spec))
        {
            return new RlObservationInputs(spec);
        }

        var withCnn = spec.CnnTimeframes.Count > 0;
        if (withCnn && cnnOnnxPath is null)
        {
            throw new InvalidOperationException("The observation needs CNN predictions, but no CNN model file was given.");
        }

        var primary = features.Symbols[0];
        var stepMs = step.DurationMs();
        var models = withCnn ? new[] { new OfflineModel(ModelKinds.Cnn, cnnOnnxPath!) } : [];
        var set = OfflinePredictions.BuildFromBars(
            bars, features, framesFrom, models, factory ?? OfflinePredictions.OnnxFactory, keepFrames: spec.FeatureSchemaHash is not null, console,
            scoreFrame: f => string.Equals(f.Symbol, primary, StringComparison.Ordinal) && f.AsOfMs % stepMs == 0);
        if (withCnn && !set.ActiveModels.ContainsKey(ModelKinds.Cnn))
        {
            throw new InvalidOperationException($"CNN {cnnOnnxPath} cannot score these frames: {string.Join(" ", set.Notes)}");
        }

        return new RlObservationInputs(spec, set.Frames, set.Schema, withCnn ? new CnnPredictionTable(set.Predictions) : null)
        {
            Description = string.Create(CultureInfo.InvariantCulture,
                $"{primary} frames at {step.ToCode()} closes from {framesFrom:u}: {set.Frames.Count} kept, {set.Predictions.Count} CNN predictions (processor: {set.Counts.Built} frames built, skipped {set.Counts.SkippedWarmup} warm-up, {set.Counts.SkippedGap} gap, {set.Counts.SkippedStaleReference} stale reference); decisions without them see present = 0."),
        };
    }
}
