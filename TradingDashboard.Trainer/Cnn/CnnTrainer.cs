using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using TorchSharp;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>How <see cref="CnnTrainer"/> trains. Validated by <see cref="Validate"/>.</summary>
public sealed record CnnTrainingOptions
{
    /// <summary>The defaults, for command lines that override some of them.</summary>
    public static CnnTrainingOptions Defaults { get; } = new();

    public string ModelName { get; init; } = "cnn-pivot";

    public int Epochs { get; init; } = 20;

    public int BatchSize { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    public double WeightDecay { get; init; }

    /// <summary>Epochs without an improvement of <see cref="StopOn"/> by at least <see cref="MinDelta"/> before stopping.</summary>
    public int Patience { get; init; } = 4;

    /// <summary>
    /// What early stopping and the best checkpoint follow. Default: validation pivot F1 (mean F1 of high and low, the
    /// promotion gate's number). On real history the class-weighted validation loss often rises while pivot F1 still
    /// improves, so stopping on the loss kept a first-epoch model that predicted "none" almost everywhere.
    /// </summary>
    public EarlyStoppingMetric StopOn { get; init; } = EarlyStoppingMetric.ValidationPivotF1;

    public double MinDelta { get; init; } = 1e-4;

    public int Seed { get; init; } = 42;

    /// <summary>
    /// Torch intra-op threads (process-wide; fixed for reproducible sums). Default 1: on the 2 shared cores of these machines
    /// libtorch's OpenMP workers spin-wait and 2 threads ran 8x slower than 1 under load. The host's retraining always uses 1.
    /// </summary>
    public int Threads { get; init; } = 1;

    public double TrainFraction { get; init; } = 0.7;

    public double ValidationFraction { get; init; } = 0.15;

    /// <summary>
    /// Frames dropped at each split boundary (see PivotDataset.SplitChronological), so the labels of the last training frames
    /// do not look into the validation period. -1 (default): the label horizon of the largest timeframe with known labels, in
    /// frames, capped at 2% of the dataset per boundary (1d horizons would otherwise eat weeks of 1m frames).
    /// </summary>
    public int GapFrames { get; init; } = -1;

    /// <summary>Weight of the confidence head's BCE in the loss (cross-entropy of the class heads has weight 1).</summary>
    public double ConfidenceLossWeight { get; init; } = 0.5;

    /// <summary>Cap of the balanced class weights (rare pivot classes would otherwise get huge weights).</summary>
    public double MaxClassWeight { get; init; } = 20;

    public int ConvChannels { get; init; } = 64;

    public int Hidden { get; init; } = 48;

    public int Attention { get; init; } = 32;

    public double Dropout { get; init; } = 0.1;

    public int HistogramBins { get; init; } = 20;

    public int HistogramMaxFrames { get; init; } = 2000;

    /// <summary>What started the run ("cli", "retrain:pivots", "retrain:admin", ...), recorded in the run.</summary>
    public string Trigger { get; init; } = "cli";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelName) || ModelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"Invalid model name '{ModelName}'.");
        }

        if (Epochs < 1 || BatchSize < 1 || Patience < 1 || Threads < 1 || HistogramBins < 1 || HistogramMaxFrames < 1)
        {
            throw new ArgumentException("Epochs, batch size, patience, threads and histogram sizes must be positive.");
        }

        if (!(LearningRate > 0) || WeightDecay < 0 || MinDelta < 0 || ConfidenceLossWeight < 0 || !(MaxClassWeight >= 1))
        {
            throw new ArgumentException("Learning rate must be positive; weight decay, min delta and confidence weight not negative; max class weight at least 1.");
        }

        if (TrainFraction <= 0 || ValidationFraction <= 0 || TrainFraction + ValidationFraction >= 1 || GapFrames < -1)
        {
            throw new ArgumentException("Train and validation fractions must be positive and leave a test split; gap frames not negative.");
        }
    }
}

/// <summary>The outcome of one training run: the model with its best weights (see <see cref="CnnTrainingOptions.StopOn"/>), and what was measured.</summary>
public sealed record CnnTrainingResult(
    string RunId,
    string Version,
    PivotCnn Model,
    string Status,
    IReadOnlyList<EpochMetrics> Epochs,
    ModelMetrics Validation,
    ModelMetrics Test,
    TrainingDataInfo Data,
    IReadOnlyList<string> Notes,
    string CheckpointPath,
    string RunPath,
    TrainingRunRecord Run) : IDisposable
{
    /// <summary>The promotion gate's number: validation mean F1 of high and low over the labelled timeframes.</summary>
    public double GateScore => Validation.PivotF1;

    public void Dispose() => Model.Dispose();
}

/// <summary>
/// Trains a <see cref="PivotCnn"/> on a <see cref="PivotDataset"/>: chronological train/validation/test split (never
/// shuffled across time; train frames are shuffled within the train split each epoch from the seed), weighted
/// cross-entropy per timeframe ignoring unknown labels (-1) with class weights from the train label rates, the confidence
/// head trained with BCE on "the top class is right", Adam, early stopping on validation pivot F1 (or loss), best weights checkpointed
/// under OUT/checkpoints/, and the run (epochs, histograms, metrics, status) persisted to OUT/runs/RUNID.json after every
/// epoch. Deterministic for a seed and thread count. Torch's random generator and thread count are process-wide, so runs
/// are serialized.
/// </summary>
public sealed class CnnTrainer
{    /// <summary>The label horizon of the largest timeframe with any known label, in frames of this dataset, capped at 2% of it.</summary>
    public static int AutoGapFrames(PivotDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        var horizonMs = 0L;
        for (var t = 0; t < dataset.Timeframes.Count; t++)
        {
            for (var i = 0; i < dataset.Count; i++)
            {
                if (dataset.Label(i, t) >= 0)
                {
                    horizonMs = Math.Max(horizonMs, dataset.LabelSettings.HorizonBars * dataset.Timeframes[t].DurationMs());
                    break;
                }
            }
        }

        var frameMs = dataset.Schema.Settings.AnchorTimeframe.DurationMs() * Math.Max(1, dataset.Info.Stride);
        var frames = (int)Math.Min(int.MaxValue, (horizonMs + frameMs - 1) / frameMs);
        return Math.Min(frames, dataset.Count / 50);
    }


    // Torch's RNG and thread pool are process-wide: two concurrent runs would break each other's determinism.
    private static readonly Lock TorchGate = new();

    private readonly CnnTrainingOptions _options;
    private readonly TimeProvider _time;
    private readonly IAnsiConsole? _console;

    public CnnTrainer(CnnTrainingOptions options, TimeProvider time, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _console = console;
    }

    /// <summary>Trains, then exports ONNX + card to OUT/NAME.onnx (or <paramref name="onnxFileName"/>) and records the path in the run.</summary>
    public (CnnTrainingResult Result, ModelCard Card, string OnnxPath) TrainAndExport(PivotDataset dataset, string outputDirectory, string? onnxFileName = null, string? dataSource = null, CancellationToken cancellationToken = default)
    {
        var result = Train(dataset, outputDirectory, dataSource, cancellationToken);
        try
        {
            var onnxPath = Path.Combine(outputDirectory, onnxFileName ?? _options.ModelName + ".onnx");
            var card = CnnOnnxExporter.Export(result.Model, dataset.Schema, new CnnCardInfo(
                Path.GetFileNameWithoutExtension(onnxPath), result.Version, _time.GetUtcNow(), dataset.LabelSettings, result.Data,
                result.Validation, result.Test, result.GateScore, result.Epochs, result.Notes), onnxPath);
            var run = result.Run with { OnnxPath = Path.GetFullPath(onnxPath) };
            WriteRun(result.RunPath, run);
            return (result with { Run = run }, card, onnxPath);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public CnnTrainingResult Train(PivotDataset dataset, string outputDirectory, string? dataSource = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        TorchNativeLoader.EnsureLoaded();
        lock (TorchGate)
        {
            return TrainLocked(dataset, outputDirectory, dataSource, cancellationToken);
        }
    }

    private CnnTrainingResult TrainLocked(PivotDataset dataset, string outputDirectory, string? dataSource, CancellationToken cancellationToken)
    {
        var o = _options;
        var started = _time.GetUtcNow();
        var version = started.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var runId = $"{o.ModelName}-{version}-s{o.Seed}";
        var runPath = Path.Combine(outputDirectory, "runs", runId + ".json");
        var checkpointPath = Path.Combine(outputDirectory, "checkpoints", runId + "-best.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(runPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(checkpointPath)!);

        var schema = dataset.Schema;
        var codes = schema.Timeframes.Select(t => t.ToCode()).ToList();
        var (train, validation, test) = dataset.SplitChronological(o.TrainFraction, o.ValidationFraction, o.GapFrames >= 0 ? o.GapFrames : AutoGapFrames(dataset));
        var histograms = FeatureHistograms.Compute(train, o.HistogramBins, o.HistogramMaxFrames);
        var run = new TrainingRunRecord(runId, o.ModelName, ModelKinds.Cnn, started, null, "running", null, o.Trigger, [], histograms, null, null, null);
        WriteRun(runPath, run);

        var notes = dataset.Info.Notes.Concat(Notes(dataset, train, codes)).ToList();
        var data = new TrainingDataInfo(
            schema.Symbols.ToList(),
            DateTimeOffset.FromUnixTimeMilliseconds(dataset.Count > 0 ? dataset.AnchorOpenTimeMs(0) : 0),
            DateTimeOffset.FromUnixTimeMilliseconds(dataset.Count > 0 ? dataset.AsOfMs(dataset.Count - 1) : 0),
            dataset.Sha256(), train.Count, validation.Count, test.Count, dataSource ?? dataset.Info.Source);

        PivotCnn? model = null;
        try
        {
            if (CountKnown(train) == 0 || CountKnown(validation) == 0)
            {
                throw new InvalidDataException($"Not enough labelled frames: train {train.Count} frames with {CountKnown(train)} known labels, validation {validation.Count} with {CountKnown(validation)}. Use a longer range.");
            }

            torch.set_num_threads(o.Threads);
            torch.random.manual_seed(o.Seed);
            model = new PivotCnn(new PivotCnnShape(schema.Symbols.Count, schema.Timeframes.Count, schema.WindowLength, schema.FeatureCount, o.ConvChannels, Hidden: o.Hidden, Attention: o.Attention, Dropout: o.Dropout));
            using var classWeights = ClassWeights(train);
            using var optimizer = torch.optim.Adam(model.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
            var shuffle = new Random(o.Seed);
            var order = Enumerable.Range(0, train.Count).ToArray();
            var epochs = new List<EpochMetrics>();
            var best = double.NegativeInfinity;
            var sinceBest = 0;
            var status = "completed";

            void RunEpochs(Action<int>? progress)
            {
                for (var epoch = 1; epoch <= o.Epochs; epoch++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var watch = Stopwatch.StartNew();
                    shuffle.Shuffle(order);
                    var trainLoss = TrainEpoch(model, optimizer, train, order, classWeights, cancellationToken);
                    var (validationLoss, predicted) = Evaluate(model, validation, classWeights);
                    var metrics = PivotMetrics.Compute(predicted, Labels(validation), codes, validationLoss);
                    epochs.Add(new EpochMetrics(epoch, trainLoss, validationLoss, metrics.PivotF1, watch.Elapsed.TotalSeconds, o.LearningRate));
                    var score = o.StopOn == EarlyStoppingMetric.ValidationLoss ? -validationLoss : metrics.PivotF1;
                    if (score > best + o.MinDelta)
                    {
                        best = score;
                        sinceBest = 0;
                        model.save(checkpointPath);
                    }
                    else
                    {
                        sinceBest++;
                    }

                    run = run with { Epochs = epochs.ToList() };
                    WriteRun(runPath, run);
                    progress?.Invoke(epoch);
                    if (sinceBest >= o.Patience)
                    {
                        status = "early-stopped";
                        break;
                    }
                }
            }

            if (_console is { } console)
            {
                console.Progress()
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask($"training {Markup.Escape(o.ModelName)} ({train.Count} frames)", maxValue: o.Epochs);
                        RunEpochs(epoch =>
                        {
                            var last = epochs[^1];
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{o.Epochs}: train {last.TrainLoss:F4}, validation {last.ValidationLoss:F4}, pivot F1 {last.ValidationPivotF1:F3}");
                            task.Value = epoch;
                        });
                        task.Value = o.Epochs;
                    });
            }
            else
            {
                RunEpochs(null);
            }

            model.load(checkpointPath);
            var (finalValidationLoss, validationPredicted) = Evaluate(model, validation, classWeights);
            var validationMetrics = PivotMetrics.Compute(validationPredicted, Labels(validation), codes, finalValidationLoss);
            var testMetrics = test.Count == 0
                ? new ModelMetrics(0, 0, [])
                : ComputeTest(model, test, classWeights, codes);
            if (test.Count == 0)
            {
                notes.Add("The test split is empty.");
            }

            run = run with
            {
                FinishedUtc = _time.GetUtcNow(),
                Status = status,
                Message = status == "early-stopped" ? $"Stopped after {epochs.Count} epochs: validation {(o.StopOn == EarlyStoppingMetric.ValidationLoss ? "loss" : "pivot F1")} did not improve for {o.Patience}." : $"{epochs.Count} epochs.",
                Validation = validationMetrics,
                Test = testMetrics,
            };
            WriteRun(runPath, run);
            var result = new CnnTrainingResult(runId, version, model, status, epochs, validationMetrics, testMetrics, data, notes, checkpointPath, runPath, run);
            if (_console is { } summaryConsole)
            {
                WriteSummary(summaryConsole, result);
            }

            return result;
        }
        catch (Exception ex)
        {
            model?.Dispose();
            run = run with { FinishedUtc = _time.GetUtcNow(), Status = "failed", Message = ex is OperationCanceledException ? "Cancelled." : ex.Message };
            WriteRun(runPath, run);
            throw;
        }
    }

    private ModelMetrics ComputeTest(PivotCnn model, PivotDataset test, TorchTensor classWeights, IReadOnlyList<string> codes)
    {
        if (CountKnown(test) == 0)
        {
            return new ModelMetrics(0, 0, []);
        }

        var (loss, predicted) = Evaluate(model, test, classWeights);
        return PivotMetrics.Compute(predicted, Labels(test), codes, loss);
    }

    /// <summary>One pass over <paramref name="order"/> in batches: forward, loss, backward, Adam step. Returns the weighted mean train loss.</summary>
    public double TrainEpoch(PivotCnn model, torch.optim.Optimizer optimizer, PivotDataset train, int[] order, TorchTensor classWeights, CancellationToken cancellationToken)
    {
        model.train();
        double weightedLoss = 0, weightSum = 0;
        for (var start = 0; start < order.Length; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var indices = order.AsSpan(start, Math.Min(_options.BatchSize, order.Length - start));
            using var scope = NewDisposeScope();
            var (input, labels) = Batch(train, indices);
            var output = model.forward(input);
            var (loss, weight) = Loss(output, labels, classWeights);
            if (weight <= 0)
            {
                continue; // no known label in this batch: nothing to learn from
            }

            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            weightedLoss += loss.item<float>() * weight;
            weightSum += weight;
        }

        return weightSum == 0 ? 0 : weightedLoss / weightSum;
    }

    /// <summary>Eval-mode loss over the split (the weighted mean over all its known labels) and the predicted classes [n, T].</summary>
    private (double Loss, int[] Predicted) Evaluate(PivotCnn model, PivotDataset split, TorchTensor classWeights)
    {
        model.eval();
        var timeframes = split.Timeframes.Count;
        var predicted = new int[split.Count * timeframes];
        double lossSum = 0, weightSum = 0;
        using var noGrad = no_grad();
        var indices = new int[_options.BatchSize];
        for (var start = 0; start < split.Count; start += _options.BatchSize)
        {
            var count = Math.Min(_options.BatchSize, split.Count - start);
            for (var k = 0; k < count; k++)
            {
                indices[k] = start + k;
            }

            using var scope = NewDisposeScope();
            var (input, labels) = Batch(split, indices.AsSpan(0, count));
            var output = model.forward(input);
            var (loss, weight) = Loss(output, labels, classWeights);
            lossSum += loss.item<float>() * weight;
            weightSum += weight;
            var argmax = output.Logits.argmax(-1).contiguous().data<long>().ToArray();
            for (var k = 0; k < argmax.Length; k++)
            {
                predicted[(start * timeframes) + k] = (int)argmax[k];
            }
        }

        return (weightSum == 0 ? 0 : lossSum / weightSum, predicted);
    }

    /// <summary>
    /// Weighted cross-entropy over the known labels of all heads (PyTorch's weighted mean: sum w_y * nll / sum w_y) plus
    /// the confidence BCE (mean over known labels) times its weight. Returns the loss and the class-weight sum (the batch's
    /// share when averaging over batches).
    /// </summary>
    private (TorchTensor Loss, double Weight) Loss(PivotCnnOutput output, TorchTensor labels, TorchTensor classWeights)
    {
        var valid = labels.ge(0);
        var safe = labels.clamp_min(0);
        var logProbabilities = output.Logits.log_softmax(-1); // [B, T, 3]
        var nll = -logProbabilities.gather(-1, safe.unsqueeze(-1)).squeeze(-1); // [B, T]
        var batch = labels.shape[0];
        var weights = classWeights.unsqueeze(0).expand(batch, -1, -1).gather(-1, safe.unsqueeze(-1)).squeeze(-1) * valid.to_type(ScalarType.Float32);
        var weightSum = weights.sum();
        var crossEntropy = (nll * weights).sum() / weightSum.clamp_min(1e-12);

        var validFloat = valid.to_type(ScalarType.Float32);
        var correct = output.Logits.argmax(-1).eq(safe).to_type(ScalarType.Float32);
        var bce = nn.functional.binary_cross_entropy_with_logits(output.ConfidenceLogits, correct, reduction: nn.Reduction.None);
        var confidence = (bce * validFloat).sum() / validFloat.sum().clamp_min(1);
        var total = crossEntropy + (confidence * _options.ConfidenceLossWeight);
        return (total, weightSum.item<float>());
    }

    private static (TorchTensor Input, TorchTensor Labels) Batch(PivotDataset split, ReadOnlySpan<int> indices)
    {
        var frameLength = split.FrameLength;
        var timeframes = split.Timeframes.Count;
        var values = new float[indices.Length * frameLength];
        var labels = new long[indices.Length * timeframes];
        for (var k = 0; k < indices.Length; k++)
        {
            split.Frame(indices[k]).CopyTo(values.AsSpan(k * frameLength, frameLength));
            for (var t = 0; t < timeframes; t++)
            {
                labels[(k * timeframes) + t] = split.Label(indices[k], t);
            }
        }

        var shape = split.Schema.Shape;
        return (tensor(values, [indices.Length, shape[0], shape[1], shape[2], shape[3]]), tensor(labels, [indices.Length, timeframes]));
    }

    /// <summary>Balanced class weights per timeframe from the train label rates: known / (3 * count of the class), capped; 1 for an absent class.</summary>
    public TorchTensor ClassWeights(PivotDataset train)
    {
        var timeframes = train.Timeframes.Count;
        var weights = new float[timeframes * 3];
        for (var t = 0; t < timeframes; t++)
        {
            var counts = new long[3];
            for (var i = 0; i < train.Count; i++)
            {
                var label = train.Label(i, t);
                if (label >= 0)
                {
                    counts[label]++;
                }
            }

            var known = counts.Sum();
            for (var c = 0; c < 3; c++)
            {
                weights[(t * 3) + c] = counts[c] == 0 ? 1f : (float)Math.Min(_options.MaxClassWeight, known / (3.0 * counts[c]));
            }
        }

        return tensor(weights, [timeframes, 3]);
    }

    private static sbyte[] Labels(PivotDataset split)
    {
        var timeframes = split.Timeframes.Count;
        var labels = new sbyte[split.Count * timeframes];
        for (var i = 0; i < split.Count; i++)
        {
            for (var t = 0; t < timeframes; t++)
            {
                labels[(i * timeframes) + t] = split.Label(i, t);
            }
        }

        return labels;
    }

    private static long CountKnown(PivotDataset split)
    {
        long known = 0;
        for (var i = 0; i < split.Count; i++)
        {
            for (var t = 0; t < split.Timeframes.Count; t++)
            {
                known += split.Label(i, t) >= 0 ? 1 : 0;
            }
        }

        return known;
    }

    private static List<string> Notes(PivotDataset dataset, PivotDataset train, IReadOnlyList<string> codes)
    {
        var notes = new List<string>();
        for (var t = 0; t < codes.Count; t++)
        {
            var known = 0;
            for (var i = 0; i < train.Count; i++)
            {
                known += train.Label(i, t) >= 0 ? 1 : 0;
            }

            if (known == 0)
            {
                notes.Add(dataset.Timeframes[t] == Timeframe.OneSecond
                    ? "1s labels absent: no 1s history in the training data; the 1s head is untrained and its outputs carry no information."
                    : $"{codes[t]} labels absent in the train split; the {codes[t]} head is untrained.");
            }
        }

        return notes;
    }

    private static void WriteRun(string path, TrainingRunRecord run)
    {
        // Written to a temp file and renamed, so the dashboard never reads half a file.
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(run, ModelCard.JsonOptions));
        File.Move(temp, path, overwrite: true);
    }

    private static void WriteSummary(IAnsiConsole console, CnnTrainingResult result)
    {
        var epochs = new Table().Title($"run {Markup.Escape(result.RunId)}: {Markup.Escape(result.Status)}")
            .AddColumn("epoch").AddColumn("train loss").AddColumn("validation loss").AddColumn("validation pivot F1").AddColumn("seconds");
        foreach (var e in result.Epochs)
        {
            epochs.AddRow(
                e.Epoch.ToString(CultureInfo.InvariantCulture),
                e.TrainLoss.ToString("F4", CultureInfo.InvariantCulture),
                e.ValidationLoss.ToString("F4", CultureInfo.InvariantCulture),
                e.ValidationPivotF1.ToString("F3", CultureInfo.InvariantCulture),
                e.Seconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        console.Write(epochs);
        var metrics = new Table().Title("best weights: validation and test").AddColumn("split").AddColumn("timeframe").AddColumn("class")
            .AddColumn("precision").AddColumn("recall").AddColumn("F1").AddColumn("support");
        foreach (var (split, m) in new[] { ("validation", result.Validation), ("test", result.Test) })
        {
            foreach (var c in m.Classes)
            {
                metrics.AddRow(split, c.Timeframe, c.Class, c.Precision.ToString("F3", CultureInfo.InvariantCulture), c.Recall.ToString("F3", CultureInfo.InvariantCulture),
                    c.F1.ToString("F3", CultureInfo.InvariantCulture), c.Support.ToString(CultureInfo.InvariantCulture));
            }
        }

        console.Write(metrics);
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Gate score (validation mean F1 of high and low): {result.GateScore:F3}; test pivot F1: {result.Test.PivotF1:F3}.")));
        foreach (var note in result.Notes)
        {
            console.MarkupLine($"[yellow]note:[/] {Markup.Escape(note)}");
        }
    }
}

/// <summary>The validation number that early stopping and the best checkpoint follow.</summary>
public enum EarlyStoppingMetric
{
    /// <summary>Mean F1 of the high and low classes over the labelled timeframes (higher is better).</summary>
    ValidationPivotF1,

    /// <summary>Class-weighted cross-entropy plus the confidence loss (lower is better).</summary>
    ValidationLoss,
}
