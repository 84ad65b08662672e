using System.Globalization;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.StrategyEvaluation;

/// <summary>One pivot model to run offline: the registry slot it serves ("cnn", "fasttree-1m", "fasttree-1h") and its file.</summary>
public sealed record OfflineModel(string Slot, string OnnxPath);

/// <summary>The feature frames of a period and every model's prediction on each of them.</summary>
/// <param name="ActiveModels">Slot to model name, for the <see cref="Core.Orchestration.TablePredictionSource"/>.</param>
/// <param name="Frames">The frames by (symbol, time); empty when not kept.</param>
/// <param name="Predictions">Every model's predictions, in frame order.</param>
/// <param name="Providers">Model name to the execution provider it ran on.</param>
public sealed record OfflinePredictionSet(
    FeatureSchema Schema,
    IReadOnlyDictionary<string, string> ActiveModels,
    FeatureFrameTable Frames,
    IReadOnlyList<CNNPrediction> Predictions,
    IReadOnlyDictionary<string, string> Providers,
    FrameCounts Counts,
    IReadOnlyList<string> Notes);

/// <summary>
/// Runs the pivot models over a period offline, as live serving would: the feature frames come from the same
/// <see cref="DataProcessor"/> the host runs, configured as <see cref="PivotDatasetBuilder"/> builds datasets (the host's
/// default feature settings for the symbols, primary first), fed every closed bar in close-time order; each frame is
/// scored by each model with <see cref="IPivotModel.Predict"/> (probabilities, confidence, hidden state: exactly what
/// the inference stage publishes) as soon as it is built. Frames are built for the primary symbol only, as live.
/// Frames are streamed (not gathered into a <see cref="PivotDataset"/>) because the models need each frame's mask and
/// block presence, which a dataset does not keep.
/// </summary>
public static class OfflinePredictions
{
    /// <param name="framesFrom">First frame time (anchor open); bars before it only warm the processor up.</param>
    /// <param name="to">Bars opening at or after this are not read.</param>
    /// <param name="fineHistoryFrom">1s and 1m bars before this are not read (they would only warm up features far older than the period); 1h and 1d are read in full.</param>
    /// <param name="keepFrames">Keep the frames in <see cref="OfflinePredictionSet.Frames"/> (about 55 KB each; the RL expert's observation).</param>
    public static OfflinePredictionSet Build(
        string dataDirectory,
        IReadOnlyList<string> symbols,
        DateTimeOffset framesFrom,
        DateTimeOffset to,
        DateTimeOffset fineHistoryFrom,
        IReadOnlyList<OfflineModel> models,
        Func<FeatureSchema, IPivotModelFactory> factory,
        bool keepFrames,
        IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(factory);
        var features = PivotDatasetBuilder.DefaultFeatures(symbols);
        var contents = KlineFolder.Load(dataDirectory, features.Symbols, features.Timeframes, to);
        var fineFromMs = fineHistoryFrom.ToUnixTimeMilliseconds();
        var notes = new List<string>();
        foreach (var symbol in features.Symbols)
        {
            foreach (var timeframe in features.Timeframes.Where(tf => !contents.Series.ContainsKey((symbol, tf))))
            {
                notes.Add($"{symbol}: no {timeframe.ToCode()} history in the data{(features.OptionalTimeframes.Contains(timeframe) ? "; its block is masked in every frame" : string.Empty)}.");
            }
        }

        var bars = contents.Series.Values
            .SelectMany(s => s)
            .Where(b => b.Timeframe > Timeframe.OneMinute || b.OpenTimeMs >= fineFromMs);
        return BuildFromBars(bars, features, framesFrom, models, factory, keepFrames, console, notes: notes);
    }

    /// <summary>
    /// The same as <see cref="Build"/> over bars in memory (any order; open bars are skipped) with the given feature
    /// settings: every timeframe the settings need must be among the bars (see <see cref="WithHigherTimeframes"/>).
    /// </summary>
    /// <param name="scoreFrame">Which frames to score and keep (null: all); the processor still builds every frame, so features stay as live.</param>
    public static OfflinePredictionSet BuildFromBars(
        IEnumerable<OHLCVBar> bars,
        FeatureSettings features,
        DateTimeOffset framesFrom,
        IReadOnlyList<OfflineModel> models,
        Func<FeatureSchema, IPivotModelFactory> factory,
        bool keepFrames,
        IAnsiConsole? console = null,
        Func<FeatureFrame, bool>? scoreFrame = null,
        IReadOnlyList<string>? notes = null)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(factory);
        var symbolOrder = features.Symbols.ToList();
        var ordered = bars
            .Where(b => b.IsClosed)
            .OrderBy(b => b.OpenTimeMs + b.Timeframe.DurationMs())
            .ThenBy(b => b.Timeframe)
            .ThenBy(b => symbolOrder.IndexOf(b.Symbol))
            .ToList();
        var allNotes = notes?.ToList() ?? [];

        var processor = new DataProcessor(new DataProcessorSettings
        {
            Symbols = features.Symbols,
            Timeframes = features.Timeframes,
            Features = features,
            Pivots = features.Pivots,
            HistoryBars = 0,
        });
        var schema = processor.Schema!;
        processor.Frames!.StartAtMs = framesFrom.ToUnixTimeMilliseconds();

        var loader = factory(schema);
        var loaded = new List<(string Slot, IPivotModel Model)>();
        try
        {
            foreach (var model in models)
            {
                var cardPath = Path.ChangeExtension(model.OnnxPath, ".json");
                if (!File.Exists(model.OnnxPath) || !File.Exists(cardPath))
                {
                    throw new FileNotFoundException($"Model {model.OnnxPath} or its card {cardPath} not found.", model.OnnxPath);
                }

                try
                {
                    loaded.Add((model.Slot, loader.Load(model.OnnxPath, ModelCard.Read(cardPath))));
                }
                catch (InvalidDataException ex)
                {
                    // A model of another feature schema (other symbols) cannot score these frames: its expert abstains.
                    allNotes.Add($"model {Path.GetFileName(model.OnnxPath)} not used: {ex.Message}");
                }
            }

            var frames = new List<FeatureFrame>();
            var predictions = new List<CNNPrediction>();
            var output = new ProcessorOutput();

            void Run(Action<int>? progress)
            {
                for (var i = 0; i < ordered.Count; i++)
                {
                    output.Clear();
                    processor.Process(ordered[i], output);
                    foreach (var outcome in output.Frames)
                    {
                        if (outcome.Frame is not { } frame || (scoreFrame is not null && !scoreFrame(frame)))
                        {
                            continue;
                        }

                        foreach (var (_, model) in loaded)
                        {
                            predictions.Add(model.Predict(frame));
                        }

                        if (keepFrames)
                        {
                            frames.Add(frame);
                        }
                    }

                    if ((i & 0x3FFF) == 0)
                    {
                        progress?.Invoke(i);
                    }
                }
            }

            if (console is null)
            {
                Run(null);
            }
            else
            {
                console.Progress().AutoClear(false).Start(ctx =>
                {
                    var task = ctx.AddTask("features and model predictions", maxValue: Math.Max(1, ordered.Count));
                    Run(i => task.Value = i);
                    task.Value = task.MaxValue;
                });
            }

            return new OfflinePredictionSet(
                schema,
                loaded.ToDictionary(m => m.Slot, m => m.Model.Card.Name, StringComparer.Ordinal),
                new FeatureFrameTable(frames),
                predictions,
                loaded.ToDictionary(m => m.Model.Card.Name, m => m.Model.ExecutionProvider, StringComparer.Ordinal),
                processor.FrameCounts,
                allNotes);
        }
        finally
        {
            foreach (var (_, model) in loaded)
            {
                model.Dispose();
            }
        }
    }

    /// <summary>The host's ONNX Runtime pivot-model factory for a schema (what live serving loads models with).</summary>
    public static IPivotModelFactory OnnxFactory(FeatureSchema schema) => new OnnxPivotModelFactory(
        new OnnxSessionFactory(Microsoft.Extensions.Options.Options.Create(new ModelsOptions()), Microsoft.Extensions.Logging.Abstractions.NullLogger<OnnxSessionFactory>.Instance),
        RunningFeatureSchema.Fixed(schema));

    /// <summary>
    /// The bars plus, for every timeframe of <paramref name="timeframes"/> longer than a symbol's finest one and absent
    /// from the bars, the complete candles aggregated from that finest series (the host keeps 1m candles; frames need
    /// 1h and 1d too). Incomplete buckets (gaps, the running hour) are left out, as the live aggregator would not close them.
    /// </summary>
    public static List<OHLCVBar> WithHigherTimeframes(IReadOnlyList<OHLCVBar> bars, IReadOnlyList<Timeframe> timeframes)
    {
        ArgumentNullException.ThrowIfNull(bars);
        ArgumentNullException.ThrowIfNull(timeframes);
        var result = bars.ToList();
        foreach (var group in bars.Where(b => b.IsClosed).GroupBy(b => b.Symbol, StringComparer.Ordinal))
        {
            var present = group.Select(b => b.Timeframe).ToHashSet();
            var finest = present.Min();
            var source = group.Where(b => b.Timeframe == finest).OrderBy(b => b.OpenTimeMs).ToList();
            foreach (var timeframe in timeframes.Where(tf => tf > finest && !present.Contains(tf) && tf.DurationMs() % finest.DurationMs() == 0))
            {
                var size = timeframe.DurationMs();
                var need = size / finest.DurationMs();
                foreach (var bucket in source.GroupBy(b => b.OpenTimeMs - (b.OpenTimeMs % size)))
                {
                    var parts = bucket.ToList();
                    if (parts.Count != need)
                    {
                        continue;
                    }

                    result.Add(new OHLCVBar(parts[0].Source, group.Key, timeframe, bucket.Key, parts[0].Open, parts.Max(b => b.High), parts.Min(b => b.Low), parts[^1].Close, parts.Sum(b => b.Volume), IsClosed: true));
                }
            }
        }

        return result;
    }

    /// <summary>The shipped models of a folder: cnn-pivot.onnx (slot "cnn"), fasttree-1m.onnx and fasttree-1h.onnx, those present.</summary>
    public static IReadOnlyList<OfflineModel> ShippedModels(string modelsDirectory)
    {
        var found = new List<OfflineModel>();
        foreach (var (slot, file) in new[] { (ModelKinds.Cnn, "cnn-pivot.onnx"), ("fasttree-1m", "fasttree-1m.onnx"), ("fasttree-1h", "fasttree-1h.onnx") })
        {
            var path = Path.Combine(modelsDirectory, file);
            if (File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".json")))
            {
                found.Add(new OfflineModel(slot, path));
            }
        }

        return found;
    }

    public static string Describe(OfflinePredictionSet set) => string.Create(CultureInfo.InvariantCulture,
        $"{set.Counts.Built} frames, {set.Predictions.Count} predictions ({string.Join(", ", set.Providers.Select(p => $"{p.Key} on {p.Value}"))})");
}
