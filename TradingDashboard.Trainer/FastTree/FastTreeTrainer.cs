using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Spectre.Console;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;
using TradingDashboard.Trainer.Evaluation;

namespace TradingDashboard.Trainer.FastTree;

/// <summary>What to train and where to write it.</summary>
/// <param name="OutputDirectory">Gets fasttree-TF.onnx, fasttree-TF.json and runs/RUNID.json.</param>
/// <param name="DataSource">Where the dataset came from (recorded in the card), e.g. the kline folder.</param>
public sealed record FastTreeTrainingRequest(
    PivotDataset Dataset,
    Timeframe Timeframe,
    string OutputDirectory,
    FastTreeSettings Settings,
    double TrainFraction = 0.7,
    double ValidationFraction = 0.15,
    string Trigger = "cli",
    string? DataSource = null,
    DateTimeOffset? FromUtc = null,
    DateTimeOffset? ToUtc = null,
    IReadOnlyList<string>? DatasetNotes = null);

/// <summary>The files written and the card that describes them.</summary>
public sealed record FastTreeTrainingResult(ModelCard Card, string OnnxPath, string CardPath, string RunPath, TrainingRunRecord Run, double MaxOnnxDifference);

/// <summary>
/// Trains the FastTree expert for one timeframe on the frame-summary features (FrameSummaryFeatures) of a
/// <see cref="PivotDataset"/>, with that timeframe's labels (unknown labels skipped), split chronologically; exports it to
/// ONNX with ML.NET's converter, checks the ONNX output against ML.NET's own on validation rows, and writes the model card
/// and the training-run record.
/// </summary>
public sealed class FastTreeTrainer(TimeProvider timeProvider)
{
    /// <summary>The most an ONNX probability may differ from ML.NET's before the export is refused.</summary>
    public const double OnnxTolerance = 1e-5;

    public static string ModelName(Timeframe timeframe) => $"{ModelKinds.FastTree}-{timeframe.ToCode()}";

    public FastTreeTrainingResult Train(FastTreeTrainingRequest request, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Settings.Validate();
        var dataset = request.Dataset;
        var timeframeIndex = IndexOf(dataset, request.Timeframe);
        var name = ModelName(request.Timeframe);
        var started = timeProvider.GetUtcNow();
        var version = started.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var runId = $"{name}-{version}";

        // Split the span of frames that have a known label for this timeframe: the slow timeframes' labels end long before
        // the data does (the confirmation margin), and splitting all frames would leave their validation and test empty.
        var labelled = LabelledSpan(dataset, timeframeIndex);
        var gap = GapFrames(labelled, request.Timeframe);
        var (train, validation, test) = labelled.SplitChronological(request.TrainFraction, request.ValidationFraction, gap);
        var trainRows = SummaryRows.From(train, timeframeIndex);
        var validationRows = SummaryRows.From(validation, timeframeIndex);
        var testRows = SummaryRows.From(test, timeframeIndex);
        if (trainRows.Count == 0)
        {
            throw new InvalidDataException($"No labelled {request.Timeframe.ToCode()} frames in the training split ({train.Count} frames): the data range is too short for the label horizon and confirmation margin.");
        }

        var notes = new List<string>(request.DatasetNotes ?? dataset.Info.Notes);
        var presentClasses = trainRows.ClassCounts().Count(c => c > 0);
        if (presentClasses < PivotClassExtensions.Count)
        {
            notes.Add($"Only {presentClasses} of 3 classes occur in the training split.");
        }

        console?.MarkupLine($"[bold]{name}[/]: training on {trainRows.Count} labelled frames ({trainRows.FeatureCount} features), validation {validationRows.Count}, test {testRows.Count}; {request.Settings.Trees} trees x 3 classes.");
        var classifier = FastTreeClassifier.Train(trainRows.Features, trainRows.Labels, trainRows.Count, trainRows.FeatureCount, request.Settings);

        var validationProbabilities = validationRows.Count > 0 ? classifier.PredictProbabilities(validationRows.Features, validationRows.Count) : [];
        var testProbabilities = testRows.Count > 0 ? classifier.PredictProbabilities(testRows.Features, testRows.Count) : [];
        var validationMetrics = validationRows.Count > 0 ? Metrics(request.Timeframe, validationRows, validationProbabilities) : null;
        var testMetrics = testRows.Count > 0 ? Metrics(request.Timeframe, testRows, testProbabilities) : null;
        if (validationMetrics is null)
        {
            notes.Add("No labelled validation frames: the gate score is 0.");
        }

        var onnx = classifier.ExportOnnx();
        var (inputs, outputs, maxDifference) = DescribeAndCheck(onnx, validationRows, validationProbabilities, trainRows);
        if (request.Settings.BalanceClasses)
        {
            notes.Add("Trained with class-balanced row weights: probabilities describe a balanced class mix (pivots look more likely than their real rate); compare classes by arg-max or by thresholds tuned on validation.");
        }

        notes.Add($"Output {FastTreeClassifier.ScoreOutput}: one-versus-all FastTree with Platt-calibrated scores normalized to sum 1 per row, [none, high, low]; ONNX matched ML.NET within {maxDifference.ToString("G3", CultureInfo.InvariantCulture)} on validation rows.");
        notes.Add(string.Create(CultureInfo.InvariantCulture, $"Chronological split {request.TrainFraction:0.##}/{request.ValidationFraction:0.##}/rest of the {labelled.Count} frames from the first to the last known {request.Timeframe.ToCode()} label, with {gap} frames dropped at each boundary (one label horizon)."));

        var data = new TrainingDataInfo(
            dataset.Schema.Symbols,
            request.FromUtc ?? DateTimeOffset.FromUnixTimeMilliseconds(dataset.Count > 0 ? dataset.AnchorOpenTimeMs(0) : 0),
            request.ToUtc ?? DateTimeOffset.FromUnixTimeMilliseconds(dataset.Count > 0 ? dataset.AsOfMs(dataset.Count - 1) : 0),
            dataset.Sha256(),
            trainRows.Count,
            validationRows.Count,
            testRows.Count,
            request.DataSource ?? dataset.Info.Source);
        var cardWithoutHash = new ModelCard
        {
            Name = name,
            Kind = ModelKinds.FastTree,
            Version = version,
            CreatedUtc = started,
            TrainerVersion = TrainerVersion(),
            FeatureSchemaHash = dataset.Schema.Hash,
            Opset = OnnxModelBytes.DefaultOpset(onnx),
            InputKind = InputKinds.FrameSummary,
            Inputs = inputs,
            Outputs = outputs,
            Timeframes = [request.Timeframe.ToCode()],
            ProbabilityOutputs = new Dictionary<string, string> { [request.Timeframe.ToCode()] = FastTreeClassifier.ScoreOutput },
            Labels = dataset.LabelSettings,
            Data = data,
            Validation = validationMetrics,
            Test = testMetrics,
            GateScore = validationMetrics?.PivotF1 ?? 0,
            Notes = notes,
        };

        // The card inside the ONNX file cannot hold the file's own hash; the card beside it adds it.
        onnx = OnnxModelBytes.WithMetadata(onnx, [new(ModelCard.MetadataKey, cardWithoutHash.ToJson())]);
        var card = cardWithoutHash with { OnnxSha256 = Convert.ToHexStringLower(SHA256.HashData(onnx)) };

        Directory.CreateDirectory(request.OutputDirectory);
        var onnxPath = Path.Combine(request.OutputDirectory, name + ".onnx");
        var cardPath = Path.Combine(request.OutputDirectory, name + ".json");
        File.WriteAllBytes(onnxPath, onnx);
        card.Write(cardPath);

        var finished = timeProvider.GetUtcNow();
        var run = new TrainingRunRecord(
            runId,
            name,
            ModelKinds.FastTree,
            started,
            finished,
            "completed",
            $"{request.Settings.Trees} trees x 3 classes on {trainRows.Count} frames; validation pivot F1 {card.GateScore:0.000}.",
            request.Trigger,
            // One "epoch" (the whole boosting run), and only when there is a validation loss to show beside the training loss.
            validationMetrics is null
                ? []
                : [new EpochMetrics(1, LogLoss(trainRows, classifier.PredictProbabilities(trainRows.Features, trainRows.Count)), validationMetrics.Loss, validationMetrics.PivotF1, (finished - started).TotalSeconds, request.Settings.LearningRate)],
            [],
            validationMetrics,
            testMetrics,
            onnxPath);
        var runsDirectory = Path.Combine(request.OutputDirectory, "runs");
        Directory.CreateDirectory(runsDirectory);
        var runPath = Path.Combine(runsDirectory, runId + ".json");
        File.WriteAllText(runPath, System.Text.Json.JsonSerializer.Serialize(run, ModelCard.JsonOptions));
        return new FastTreeTrainingResult(card, onnxPath, cardPath, runPath, run, maxDifference);
    }

    /// <summary>
    /// Frames to drop at each split boundary so that no training frame's label horizon reaches the first frame of the next
    /// split: the most frames found within one horizon (HorizonBars bars of the timeframe) of any frame.
    /// </summary>
    internal static int GapFrames(PivotDataset dataset, Timeframe timeframe)
    {
        var horizonMs = dataset.LabelSettings.HorizonBars * timeframe.DurationMs();
        var gap = 0;
        var j = 0;
        for (var i = 0; i < dataset.Count; i++)
        {
            j = Math.Max(j, i);
            while (j < dataset.Count && dataset.AsOfMs(j) - dataset.AsOfMs(i) < horizonMs)
            {
                j++;
            }

            gap = Math.Max(gap, j - i);
        }

        return gap;
    }

    /// <summary>Frames from the first to the last frame with a known label for the timeframe (empty when none has one).</summary>
    internal static PivotDataset LabelledSpan(PivotDataset dataset, int timeframeIndex)
    {
        var first = 0;
        while (first < dataset.Count && dataset.Label(first, timeframeIndex) < 0)
        {
            first++;
        }

        var last = dataset.Count - 1;
        while (last >= first && dataset.Label(last, timeframeIndex) < 0)
        {
            last--;
        }

        return dataset.Slice(first, Math.Max(0, last - first + 1));
    }

    internal static int IndexOf(PivotDataset dataset, Timeframe timeframe)
    {
        for (var t = 0; t < dataset.Timeframes.Count; t++)
        {
            if (dataset.Timeframes[t] == timeframe)
            {
                return t;
            }
        }

        throw new InvalidDataException($"The dataset has no {timeframe.ToCode()} timeframe (it has {string.Join(", ", dataset.Timeframes.Select(t => t.ToCode()))}).");
    }

    private static ModelMetrics Metrics(Timeframe timeframe, SummaryRows rows, float[] probabilities)
    {
        var matrix = new PivotConfusionMatrix();
        for (var i = 0; i < rows.Count; i++)
        {
            matrix.Add((PivotClass)rows.Labels[i], PivotPredictions.ArgMax(probabilities.AsSpan(i * PivotClassExtensions.Count, PivotClassExtensions.Count)));
        }

        return new ModelMetrics(LogLoss(rows, probabilities), matrix.PivotF1(), matrix.AllMetrics(timeframe.ToCode()));
    }

    /// <summary>Mean negative log probability of the true class (probabilities floored at 1e-7).</summary>
    private static double LogLoss(SummaryRows rows, float[] probabilities)
    {
        if (rows.Count == 0)
        {
            return double.NaN;
        }

        var sum = 0.0;
        for (var i = 0; i < rows.Count; i++)
        {
            sum -= Math.Log(Math.Max(1e-7, probabilities[(i * PivotClassExtensions.Count) + rows.Labels[i]]));
        }

        return sum / rows.Count;
    }

    /// <summary>
    /// Loads the exported graph in ONNX Runtime (CPU), reads its inputs and outputs for the card (main input first), and
    /// compares its probabilities with ML.NET's on up to 512 validation rows (training rows when there is no validation).
    /// </summary>
    private static (IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs, double MaxDifference) DescribeAndCheck(
        byte[] onnx, SummaryRows validation, float[] validationProbabilities, SummaryRows train)
    {
        using var session = new InferenceSession(onnx);
        var inputs = session.InputMetadata
            .OrderBy(kv => kv.Key == FastTreeClassifier.FeaturesColumn ? 0 : 1)
            .Select(kv => new TensorSpec(kv.Key, OnnxElementTypes.Code(kv.Value.ElementType), kv.Value.Dimensions.Select(d => (long)d).ToList(),
                kv.Key == FastTreeClassifier.FeaturesColumn ? "Frame-summary features (FrameSummaryFeatures): last bar and window mean per block." : "Unused at inference: feed zeros."))
            .ToList();
        if (inputs.Count == 0 || inputs[0].Name != FastTreeClassifier.FeaturesColumn)
        {
            throw new InvalidDataException($"The exported graph has no '{FastTreeClassifier.FeaturesColumn}' input.");
        }

        var outputs = new List<TensorSpec>();
        foreach (var (outputName, description) in new[]
        {
            (FastTreeClassifier.ScoreOutput, "Class probabilities [none, high, low]; each row sums to 1."),
            (FastTreeClassifier.PredictedLabelOutput, "Arg-max class key: 1 none, 2 high, 3 low."),
        })
        {
            if (!session.OutputMetadata.TryGetValue(outputName, out var metadata))
            {
                throw new InvalidDataException($"The exported graph has no '{outputName}' output.");
            }

            outputs.Add(new TensorSpec(outputName, OnnxElementTypes.Code(metadata.ElementType), metadata.Dimensions.Select(d => (long)d).ToList(), description));
        }

        var (rows, expected) = validation.Count > 0 ? (validation, validationProbabilities) : (train, null);
        var count = Math.Min(rows.Count, 512);
        if (count == 0)
        {
            return (inputs, outputs, 0);
        }

        var actual = OnnxFrameSummaryRunner.Run(session, rows.Features.AsSpan(0, count * rows.FeatureCount), count, FastTreeClassifier.ScoreOutput);
        if (expected is null)
        {
            return (inputs, outputs, double.NaN);
        }

        var max = 0.0;
        for (var i = 0; i < count * PivotClassExtensions.Count; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        if (max > OnnxTolerance)
        {
            throw new InvalidDataException($"The exported ONNX graph differs from ML.NET by {max:G3} (tolerance {OnnxTolerance:G1}); refusing to write it.");
        }

        return (inputs, outputs, max);
    }

    private static string TrainerVersion()
    {
        var assembly = typeof(FastTreeTrainer).Assembly;
        return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString()
            ?? "unknown";
    }
}

/// <summary>Frame-summary rows of one split with known labels for one timeframe.</summary>
internal sealed class SummaryRows
{
    private SummaryRows(float[] features, byte[] labels, int count, int featureCount)
    {
        Features = features;
        Labels = labels;
        Count = count;
        FeatureCount = featureCount;
    }

    public float[] Features { get; }

    public byte[] Labels { get; }

    public int Count { get; }

    public int FeatureCount { get; }

    public static SummaryRows From(PivotDataset dataset, int timeframeIndex)
    {
        var shape = dataset.Schema.Shape;
        var featureCount = FrameSummaryFeatures.Length(shape[0], shape[1], shape[3]);
        var known = 0;
        for (var i = 0; i < dataset.Count; i++)
        {
            if (dataset.Label(i, timeframeIndex) >= 0)
            {
                known++;
            }
        }

        var features = new float[(long)known * featureCount];
        var labels = new byte[known];
        var row = 0;
        for (var i = 0; i < dataset.Count; i++)
        {
            var label = dataset.Label(i, timeframeIndex);
            if (label < 0)
            {
                continue;
            }

            FrameSummaryFeatures.Extract(dataset.Frame(i), shape[0], shape[1], shape[2], shape[3], features.AsSpan(row * featureCount, featureCount));
            labels[row++] = (byte)label;
        }

        return new SummaryRows(features, labels, known, featureCount);
    }

    public long[] ClassCounts()
    {
        var counts = new long[PivotClassExtensions.Count];
        foreach (var label in Labels)
        {
            counts[label]++;
        }

        return counts;
    }
}
