using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Trainer.Cnn;

namespace TradingDashboard.Trainer.Rl;

/// <summary>
/// The host's background RL retraining (<see cref="IPolicyTrainer"/>), in process on one torch thread: trains a candidate
/// on <see cref="PolicyRetrainRequest.Bars"/> less the newest <see cref="PolicyRetrainRequest.ValidationFraction"/> of the
/// primary symbol's decisions, episodes on the primary symbol, the bar-returns observation; writes the candidate
/// (NAME-yyyyMMddTHHmmssZ.onnx + card) to the output directory and the run to MODELS/runs/rl; then evaluates the
/// candidate's file and, when given, the incumbent's file greedily on the same newest tail through the
/// <see cref="TradingEnvironment"/>. The candidate observes what the incumbent's card observes: bar returns alone, or
/// with feature frames and CNN predictions built from the request's bars (higher timeframes aggregated from them) with
/// <see cref="PolicyRetrainRequest.Features"/> and the CNN of <see cref="PolicyRetrainRequest.CnnOnnxPath"/>
/// (<see cref="RlModelObservations"/>; the run fails with a clear message when the card needs the CNN and none is given).
/// </summary>
public sealed partial class TorchPolicyTrainer : IPolicyTrainer
{
    private readonly TimeProvider _time;
    private readonly ModelsFolder? _models;
    private readonly ILogger<TorchPolicyTrainer> _logger;
    private readonly RlTrainingOptions _baseOptions;
    private readonly RlEnvironmentSettings? _environment;

    /// <param name="models">Where run records go (MODELS/runs/rl); null: the output directory's parent.</param>
    /// <param name="baseOptions">Hyper-parameters; the request sets the algorithm, name, episodes and seed.</param>
    /// <param name="environment">Venue, cash, step and reward settings; null: the defaults on the bars' own timeframe. Its symbols are replaced by the bars' symbols.</param>
    public TorchPolicyTrainer(TimeProvider time, ModelsFolder? models = null, ILogger<TorchPolicyTrainer>? logger = null, RlTrainingOptions? baseOptions = null, RlEnvironmentSettings? environment = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _models = models;
        _logger = logger ?? NullLogger<TorchPolicyTrainer>.Instance;
        _baseOptions = baseOptions ?? new RlTrainingOptions();
        _environment = environment;
    }

    public Task<PolicyRetrainResult> RetrainAsync(PolicyRetrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // CPU-bound and synchronous: off the caller's thread.
        return Task.Run(() => Retrain(request, cancellationToken), cancellationToken);
    }

    private PolicyRetrainResult Retrain(PolicyRetrainRequest request, CancellationToken cancellationToken)
    {
        try
        {
            if (request.ValidationFraction is <= 0 or >= 1)
            {
                throw new ArgumentException($"ValidationFraction must be in (0, 1) (got {request.ValidationFraction}).");
            }

            var algorithm = RlTrainingOptions.ParseAlgorithm(request.Algorithm);
            var bars = request.Bars.OrderBy(b => b.OpenTimeMs).ToList();
            var primaryBars = bars.Where(b => b.Symbol == request.PrimarySymbol).ToList();
            if (primaryBars.Count == 0)
            {
                throw new ArgumentException($"The bars hold no {request.PrimarySymbol} bar.");
            }

            var barTimeframe = primaryBars[0].Timeframe;
            var symbols = bars.Select(b => b.Symbol).Distinct().OrderBy(s => s == request.PrimarySymbol ? 0 : 1).ThenBy(s => s, StringComparer.Ordinal).ToList();
            var incumbentCard = IncumbentCard(request.IncumbentOnnxPath);
            var environment = (_environment ?? new RlEnvironmentSettings { Symbols = symbols, StepTimeframe = IncumbentStep(incumbentCard, barTimeframe) }) with { Symbols = symbols };
            var stepMs = environment.StepTimeframe.DurationMs();
            var decisions = primaryBars.Where(b => (b.CloseTimeMs + 1) % stepMs == 0).ToList();
            var split = (int)Math.Floor(decisions.Count * (1 - request.ValidationFraction));
            var trainDecisions = split - (environment.WarmupBars * barTimeframe.DurationMs() / stepMs) - 1;
            if (split >= decisions.Count - 1 || trainDecisions < 2)
            {
                throw new ArgumentException($"{decisions.Count} decision points of {request.PrimarySymbol} on {environment.StepTimeframe.ToCode()}: too few to keep {request.ValidationFraction:P0} for validation after a {environment.WarmupBars}-bar warm-up.");
            }

            var validationFrom = DateTimeOffset.FromUnixTimeMilliseconds(decisions[split].OpenTimeMs);
            var validationTo = DateTimeOffset.FromUnixTimeMilliseconds(primaryBars[^1].OpenTimeMs + barTimeframe.DurationMs());
            var now = _time.GetUtcNow();
            var fileName = TorchModelTrainer.VersionedFileName(request.ModelName, now);
            var options = _baseOptions with
            {
                Algorithm = algorithm,
                ModelName = request.ModelName,
                Episodes = request.Episodes,
                Seed = request.Seed,
                MaxSteps = (int)Math.Min(_baseOptions.MaxSteps, trainDecisions - 1),
                NormalizationSteps = (int)Math.Min(_baseOptions.NormalizationSteps, Math.Max(1, trainDecisions * 4)),
                Threads = 1,
                CheckpointEvery = 0,
                Trigger = request.Trigger,
            };
            options = options with { LearningStarts = Math.Max(options.BatchSize, Math.Min(options.LearningStarts, options.Episodes * options.MaxSteps / 4)) };

            Directory.CreateDirectory(request.OutputDirectory);
            var models = _models ?? new ModelsFolder(Path.GetDirectoryName(Path.GetFullPath(request.OutputDirectory)) ?? request.OutputDirectory);
            var runs = new FileRlTrainingRuns(models, NullLogger<FileRlTrainingRuns>.Instance);
            var observation = incumbentCard is { } spec && RlModelObservations.NeedsModels(spec.Observation)
                ? ModelObservation(spec.Observation, request, bars, environment.StepTimeframe, cancellationToken)
                : RlObservationInputs.BarReturns();
            var onnxPath = Path.Combine(request.OutputDirectory, fileName);
            var trainer = new RlTrainer(options, environment, _time);
            var result = trainer.Train(new RlTrainingData(bars, [request.PrimarySymbol], null, validationFrom, validationTo, "host retraining"), observation, onnxPath, runs, null, null, cancellationToken);
            var candidate = result.Validations[0];

            RlEvaluation? incumbent = null;
            var incumbentNote = string.Empty;
            if (request.IncumbentOnnxPath is { } incumbentPath)
            {
                try
                {
                    incumbent = EvaluateFile(incumbentPath, bars, environment, request.PrimarySymbol, validationFrom, validationTo, observation.Frames, observation.Schema, observation.Predictions);
                }
                catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException or ArgumentException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
                {
                    incumbentNote = $" The incumbent could not be evaluated: {ex.Message}";
                    LogIncumbentFailed(_logger, ex, incumbentPath, ex.Message);
                }
            }

            var message = string.Create(CultureInfo.InvariantCulture,
                $"{options.Kind}, {options.Episodes} episodes: candidate return {candidate.TotalReturn:P2}, Sharpe {candidate.Sharpe:F2}, {candidate.Trades} trades")
                + (incumbent is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"; incumbent return {incumbent.TotalReturn:P2}, Sharpe {incumbent.Sharpe:F2}, {incumbent.Trades} trades"))
                + string.Create(CultureInfo.InvariantCulture, $" (validation {validationFrom:u}..{validationTo:u}).") + incumbentNote;
            LogRetrained(_logger, request.ModelName, request.Trigger, message, onnxPath);
            return new PolicyRetrainResult(true, Path.GetFullPath(onnxPath), result.RunId, candidate, incumbent, message);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or InvalidOperationException or ExternalException or UsageException)
        {
            LogFailed(_logger, ex, request.ModelName, request.Trigger, ex.Message);
            return new PolicyRetrainResult(false, null, null, null, null, "RL retraining failed: " + ex.Message);
        }
    }

    /// <summary>The incumbent's card, when its file has one that reads (else the candidate uses the defaults).</summary>
    private static PolicyModelCard? IncumbentCard(string? incumbentOnnxPath)
    {
        var card = incumbentOnnxPath is null ? null : Path.ChangeExtension(incumbentOnnxPath, ".json");
        if (card is null || !File.Exists(card))
        {
            return null;
        }

        try
        {
            return PolicyModelCard.Read(card);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// The candidate steps like the incumbent (a 1h policy is retrained as a 1h policy from the host's 1m candles) when the
    /// incumbent's card names a step the bars divide; else the bars' own timeframe.
    /// </summary>
    private static Timeframe IncumbentStep(PolicyModelCard? card, Timeframe barTimeframe) =>
        card is not null && TimeframeExtensions.TryParse(card.StepTimeframe, out var step) && step.DurationMs() % barTimeframe.DurationMs() == 0
            ? step
            : barTimeframe;

    /// <summary>The incumbent's frame/CNN observation, built from the request's bars (1h and 1d aggregated from them when absent).</summary>
    private static RlObservationInputs ModelObservation(RlObservationSpec spec, PolicyRetrainRequest request, IReadOnlyList<OHLCVBar> bars, Timeframe step, CancellationToken cancellationToken)
    {
        if (spec.CnnTimeframes.Count > 0 && request.CnnOnnxPath is null)
        {
            throw new InvalidOperationException("The incumbent policy observes CNN predictions, but the request names no CNN model (CnnOnnxPath is null): cannot build its observation.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        var withHigher = StrategyEvaluation.OfflinePredictions.WithHigherTimeframes(bars, request.Features.Timeframes);
        var framesFrom = DateTimeOffset.FromUnixTimeMilliseconds(bars[0].OpenTimeMs);
        return RlModelObservations.Build(spec, withHigher, request.Features, framesFrom, step, request.CnnOnnxPath);
    }

    /// <summary>Greedy walk-forward result of an exported policy file, its observation rebuilt from its card with the given frames and predictions (none: bar-returns observations only).</summary>
    public static RlEvaluation EvaluateFile(string onnxPath, IReadOnlyList<OHLCVBar> bars, RlEnvironmentSettings environment, string primarySymbol, DateTimeOffset from, DateTimeOffset to,
        IFeatureFrameSource? frames = null, FeatureSchema? schema = null, ICnnPredictionSource? predictions = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        using var runner = OnnxPolicyRunner.Load(onnxPath);
        var card = runner.Card;
        if (!TimeframeExtensions.TryParse(card.StepTimeframe, out var step))
        {
            throw new InvalidDataException($"{onnxPath}: unknown step timeframe '{card.StepTimeframe}'.");
        }

        var source = card.Observation.BuildSource(frames, schema, predictions);
        var settings = environment with { StepTimeframe = step };
        using var probe = new TradingEnvironment(bars, settings.Build(primarySymbol, from, to, null), card.Observation.BuildSource(frames, schema, predictions));
        if (!probe.ObservationNames.SequenceEqual(card.ObservationNames, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{onnxPath}: the rebuilt observation differs from the card's ({probe.ObservationLength} vs {card.ObservationNames.Count} values).");
        }

        return RlEvaluator.Evaluate(bars, settings, primarySymbol, from, to, source, runner.Decide);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrained RL policy {Model} ({Trigger}): {Summary} Wrote {Path}")]
    private static partial void LogRetrained(ILogger logger, string model, string trigger, string summary, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RL retraining {Model} ({Trigger}) failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string model, string trigger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The incumbent RL policy {Path} could not be evaluated: {Reason}")]
    private static partial void LogIncumbentFailed(ILogger logger, Exception exception, string path, string reason);
}
