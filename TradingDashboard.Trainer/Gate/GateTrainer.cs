using System.Globalization;
using Spectre.Console;
using TorchSharp;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Trainer.Cnn;
using static TorchSharp.torch;
using TorchTensor = TorchSharp.torch.Tensor;

namespace TradingDashboard.Trainer.Gate;

/// <summary>How <see cref="GateTrainer"/> trains. Validated by <see cref="Validate"/>.</summary>
public sealed record GateTrainingOptions
{
    public static GateTrainingOptions Defaults { get; } = new();

    public string ModelName { get; init; } = "gate";

    public int Epochs { get; init; } = 200;

    public int BatchSize { get; init; } = 128;

    public double LearningRate { get; init; } = 0.01;

    /// <summary>Adam's L2 penalty on the parameters.</summary>
    public double WeightDecay { get; init; } = 1e-4;

    /// <summary>beta of the entropy bonus in <see cref="GateObjective"/>.</summary>
    public double EntropyWeight { get; init; } = 0.01;

    public int Hidden { get; init; } = 16;

    /// <summary>Epochs without a higher validation CombinedReturn before stopping; the best epoch's weights are kept.</summary>
    public int Patience { get; init; } = 30;

    public int Seed { get; init; } = 42;

    /// <summary>The newest share of the resolved decisions kept for validation (after the gap).</summary>
    public double ValidationFraction { get; init; } = 0.2;

    public int MinTrainDecisions { get; init; } = 50;

    public int MinValidationDecisions { get; init; } = 20;

    /// <summary>Temperature of the <see cref="RecentAccuracyGate"/> baseline (the orchestrator's default GateTemperature).</summary>
    public double BaselineTemperature { get; init; } = 0.1;

    /// <summary>What started the run ("cli", "retrain:..."), noted on the card.</summary>
    public string Trigger { get; init; } = "cli";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelName) || ModelName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"Invalid model name '{ModelName}'.");
        }

        if (Epochs < 1 || BatchSize < 1 || Hidden < 1 || Patience < 1 || MinTrainDecisions < 1 || MinValidationDecisions < 1)
        {
            throw new ArgumentException("Epochs, batch size, hidden size, patience and the minimum decision counts must be positive.");
        }

        if (!(LearningRate > 0) || !double.IsFinite(LearningRate) || !(WeightDecay >= 0) || !(EntropyWeight >= 0) || !(BaselineTemperature > 0))
        {
            throw new ArgumentException("Learning rate and baseline temperature must be positive; weight decay and entropy weight not negative.");
        }

        if (!(ValidationFraction > 0 && ValidationFraction < 1))
        {
            throw new ArgumentException($"The validation fraction must be between 0 and 1 (got {ValidationFraction}).");
        }
    }
}

/// <summary>One epoch: the training objective J (scaled returns, with the entropy bonus) and the validation CombinedReturn (raw returns).</summary>
public sealed record GateEpoch(int Epoch, double TrainObjective, double ValidationReturn);

/// <summary>A trained gate with the best epoch's weights and its validation result.</summary>
public sealed record GateTrainingResult(
    GateNetwork Network,
    IReadOnlyList<string> Experts,
    string Version,
    GateSplit Split,
    GateEvaluation Validation,
    IReadOnlyList<DecisionOutcome> ValidationDecisions,
    IReadOnlyList<GateEpoch> Epochs,
    int BestEpoch,
    string Status,
    double ReturnScale,
    TrainingDataInfo Data,
    IReadOnlyList<string> Notes) : IDisposable
{
    public void Dispose() => Network.Dispose();
}

/// <summary>
/// Trains a <see cref="GateNetwork"/> on resolved <see cref="DecisionOutcome"/>s (docs/gate.md): oldest first,
/// chronological split (<see cref="GateDataset.Split"/>, gap of the forward-return horizon), maximizes
/// <see cref="GateObjective"/> with Adam on mini-batches shuffled within the training part from the seed, early-stops on
/// the validation CombinedReturn and keeps the best epoch's weights, then evaluates it against the
/// <see cref="RecentAccuracyGate"/> on the same validation decisions. Deterministic for a seed: parameters come from
/// the seed, there is no dropout, and torch runs one intra-op thread.
/// </summary>
public sealed class GateTrainer
{
    private readonly GateTrainingOptions _options;
    private readonly TimeProvider _time;
    private readonly IAnsiConsole? _console;

    public GateTrainer(GateTrainingOptions options, TimeProvider time, IAnsiConsole? console = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _console = console;
    }

    public GateTrainingOptions Options => _options;

    /// <summary>Trains, then writes OUT/NAME.onnx (or <paramref name="onnxFileName"/>) and its card OUT/NAME.json.</summary>
    public (GateTrainingResult Result, GateModelCard Card, string OnnxPath) TrainAndExport(
        IReadOnlyList<DecisionOutcome> decisions, IReadOnlyList<string>? experts, string outputDirectory, string? onnxFileName = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        var result = Train(decisions, experts, cancellationToken);
        try
        {
            var onnxPath = Path.Combine(outputDirectory, onnxFileName ?? _options.ModelName + ".onnx");
            var card = GateOnnxExporter.Export(result.Network, result.Experts, new GateCardInfo(
                Path.GetFileNameWithoutExtension(onnxPath), result.Version, _time.GetUtcNow(), result.Data, _options.Seed, result.Validation, result.Notes), onnxPath);
            return (result, card, onnxPath);
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Trains on <paramref name="decisions"/> (unresolved ones are left out) for <paramref name="experts"/> (null or empty:
    /// the distinct experts of the decisions, first seen first). Throws <see cref="InvalidDataException"/> when there are
    /// too few resolved decisions or their returns have no spread.
    /// </summary>
    public GateTrainingResult Train(IReadOnlyList<DecisionOutcome> decisions, IReadOnlyList<string>? experts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var names = experts is { Count: > 0 } ? experts : GateDataset.DistinctExperts(decisions);
        if (names.Count == 0)
        {
            throw new InvalidDataException("The decisions name no experts: nothing for a gate to weigh.");
        }

        var dataset = GateDataset.Build(decisions, names);
        var split = dataset.Split(_options.ValidationFraction, _options.MinTrainDecisions, _options.MinValidationDecisions);
        var scale = StandardDeviation(dataset.Returns.AsSpan(0, split.TrainCount));
        if (!(scale > 0))
        {
            throw new InvalidDataException($"The {split.TrainCount} training decisions all have the same forward return: nothing to learn from.");
        }

        TorchNativeLoader.EnsureLoaded();
        torch.set_num_threads(1);
        var o = _options;
        var version = _time.GetUtcNow().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var network = new GateNetwork(new GateNetworkShape(names.Count, o.Hidden), o.Seed);
        try
        {
            var (epochs, bestEpoch, status) = Fit(network, dataset, split, scale, cancellationToken);
            var validationDecisions = dataset.Range(split.ValidationStart, split.ValidationCount);
            var evaluation = Evaluate(network, names, validationDecisions, o.BaselineTemperature);
            var notes = new List<string>
            {
                string.Create(CultureInfo.InvariantCulture, $"Trigger {o.Trigger}; {status}: best epoch {bestEpoch} of {epochs.Count} run (max {o.Epochs}), early stopping on the validation CombinedReturn, which is therefore an optimistic estimate."),
                string.Create(CultureInfo.InvariantCulture, $"Objective mean(net x r / {scale:G4}) + {o.EntropyWeight:G3} x entropy; Adam lr {o.LearningRate:G3}, weight decay {o.WeightDecay:G3}, batch {o.BatchSize}, hidden {o.Hidden}."),
                string.Create(CultureInfo.InvariantCulture, $"Split: {split.TrainCount} train, gap {split.Gap}, {split.ValidationCount} validation; {dataset.Unresolved} unresolved decisions left out."),
                "ONNX output 'weights' is the plain softmax over all experts; the host zeroes the experts whose 'present' feature is 0 and renormalizes.",
            };
            var data = new TrainingDataInfo(
                dataset.Decisions.Select(d => d.Context.Symbol).Distinct(StringComparer.Ordinal).ToList(),
                dataset.Decisions[0].Context.Time,
                dataset.Decisions[^1].Context.Time,
                dataset.Sha256(),
                split.TrainCount,
                split.ValidationCount,
                0,
                string.Join(',', dataset.Decisions.Select(d => d.Mode).Distinct(StringComparer.Ordinal)));
            var result = new GateTrainingResult(network, names.ToList(), version, split, evaluation, validationDecisions, epochs, bestEpoch, status, scale, data, notes);
            if (_console is { } console)
            {
                WriteSummary(console, result);
            }

            return result;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>The trained network's masked weights on <paramref name="decisions"/>, evaluated against the recent-accuracy gate.</summary>
    public static GateEvaluation Evaluate(GateNetwork network, IReadOnlyList<string> experts, IReadOnlyList<DecisionOutcome> decisions, double baselineTemperature)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(experts);
        ArgumentNullException.ThrowIfNull(decisions);
        var f = GateFeatureEncoder.Length(experts.Count);
        var features = new float[decisions.Count * f];
        for (var n = 0; n < decisions.Count; n++)
        {
            GateFeatureEncoder.Encode(decisions[n].Context, experts, features.AsSpan(n * f, f));
        }

        var weights = network.Predict(features, decisions.Count, masked: true);
        var rows = new List<IReadOnlyList<double>>(decisions.Count);
        for (var n = 0; n < decisions.Count; n++)
        {
            rows.Add(GateEvaluator.ToContextOrder(decisions[n].Context, experts, weights.AsSpan(n * experts.Count, experts.Count)));
        }

        return GateEvaluator.Evaluate(decisions, rows, new RecentAccuracyGate(baselineTemperature));
    }

    private (List<GateEpoch> Epochs, int BestEpoch, string Status) Fit(GateNetwork network, GateDataset dataset, GateSplit split, double scale, CancellationToken cancellationToken)
    {
        var o = _options;
        var e = dataset.Experts.Count;
        var f = dataset.FeatureCount;
        var epochs = new List<GateEpoch>();
        var bestEpoch = 0;
        var best = double.NegativeInfinity;
        var sinceBest = 0;
        var status = "completed";
        var order = Enumerable.Range(0, split.TrainCount).ToArray();
        var shuffle = new Random(o.Seed);

        using var trainFeatures = tensor(dataset.Features.AsSpan(0, split.TrainCount * f).ToArray(), [split.TrainCount, f]);
        using var trainVotes = tensor(dataset.Votes.AsSpan(0, split.TrainCount * e).ToArray(), [split.TrainCount, e]);
        using var trainReturns = tensor(dataset.Returns.AsSpan(0, split.TrainCount).ToArray().Select(r => (float)(r / scale)).ToArray(), [split.TrainCount]);
        using var validationFeatures = tensor(dataset.Features.AsSpan(split.ValidationStart * f, split.ValidationCount * f).ToArray(), [split.ValidationCount, f]);
        using var validationVotes = tensor(dataset.Votes.AsSpan(split.ValidationStart * e, split.ValidationCount * e).ToArray(), [split.ValidationCount, e]);
        using var validationReturns = tensor(dataset.Returns.AsSpan(split.ValidationStart, split.ValidationCount).ToArray(), [split.ValidationCount], ScalarType.Float64);
        using var optimizer = torch.optim.Adam(network.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        IReadOnlyList<TorchTensor> bestState = network.Snapshot();
        try
        {
            void RunEpochs(Action<GateEpoch>? progress)
            {
                for (var epoch = 1; epoch <= o.Epochs; epoch++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    shuffle.Shuffle(order);
                    double objectiveSum = 0;
                    for (var start = 0; start < order.Length; start += o.BatchSize)
                    {
                        using var scope = NewDisposeScope();
                        var count = Math.Min(o.BatchSize, order.Length - start);
                        var index = tensor(order.AsSpan(start, count).ToArray().Select(i => (long)i).ToArray());
                        var weights = network.MaskedWeights(trainFeatures.index_select(0, index));
                        var loss = GateObjective.Loss(weights, trainVotes.index_select(0, index), trainReturns.index_select(0, index), o.EntropyWeight);
                        optimizer.zero_grad();
                        loss.backward();
                        optimizer.step();
                        objectiveSum += -loss.item<float>() * count;
                    }

                    var validationReturn = ValidationReturn(network, validationFeatures, validationVotes, validationReturns);
                    var row = new GateEpoch(epoch, objectiveSum / order.Length, validationReturn);
                    epochs.Add(row);
                    if (validationReturn > best)
                    {
                        best = validationReturn;
                        bestEpoch = epoch;
                        sinceBest = 0;
                        foreach (var t in bestState)
                        {
                            t.Dispose();
                        }

                        bestState = network.Snapshot();
                    }
                    else
                    {
                        sinceBest++;
                    }

                    progress?.Invoke(row);
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
                        var task = ctx.AddTask($"training gate {Markup.Escape(o.ModelName)} ({split.TrainCount} decisions)", maxValue: o.Epochs);
                        RunEpochs(row =>
                        {
                            task.Description = Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                                $"epoch {row.Epoch}/{o.Epochs}: objective {row.TrainObjective:F4}, validation return {row.ValidationReturn:E3} (best epoch {bestEpoch})"));
                            task.Value = row.Epoch;
                        });
                        task.Value = o.Epochs;
                    });
            }
            else
            {
                RunEpochs(null);
            }

            network.Restore(bestState);
            return (epochs, bestEpoch, status);
        }
        finally
        {
            foreach (var t in bestState)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>mean(net x r) on the validation tensors with raw returns, in double.</summary>
    private static double ValidationReturn(GateNetwork network, TorchTensor features, TorchTensor votes, TorchTensor returns)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weights = network.MaskedWeights(features);
        var net = (weights * votes).sum(1).to_type(ScalarType.Float64);
        return (net * returns).mean().item<double>();
    }

    /// <summary>Population standard deviation.</summary>
    internal static double StandardDeviation(ReadOnlySpan<double> values)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        double mean = 0;
        foreach (var v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double sum = 0;
        foreach (var v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return Math.Sqrt(sum / values.Length);
    }

    private static void WriteSummary(IAnsiConsole console, GateTrainingResult result)
    {
        var v = result.Validation;
        var table = new Table().AddColumn("validation").AddColumn("value");
        table.AddRow("decisions", Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{v.Decisions} ({v.FromUtc:u} .. {v.ToUtc:u})")));
        table.AddRow("trained gate CombinedReturn", Markup.Escape(v.CombinedReturn.ToString("E4", CultureInfo.InvariantCulture)));
        table.AddRow("recent-accuracy baseline", Markup.Escape(v.BaselineReturn.ToString("E4", CultureInfo.InvariantCulture)));
        table.AddRow("hit rate", Markup.Escape(v.HitRate.ToString("P1", CultureInfo.InvariantCulture)));
        table.AddRow("status", Markup.Escape($"{result.Status}, best epoch {result.BestEpoch} of {result.Epochs.Count}"));
        console.Write(table);
        console.MarkupLine(v.CombinedReturn > v.BaselineReturn
            ? "[green]The trained gate beat the recent-accuracy gate on the validation decisions.[/]"
            : "[yellow]The trained gate did not beat the recent-accuracy gate on the validation decisions.[/]");
    }
}
