using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;
using TradingDashboard.Core.Orchestration;
using TradingDashboard.Trainer.Cnn;

namespace TradingDashboard.Trainer.Gate;

/// <summary>
/// The host's background retraining of the gate (<see cref="IGateTrainer"/>): trains a candidate on the request's
/// decisions with one torch thread (off the caller's thread), evaluates it and the incumbent (the ONNX file at
/// <see cref="GateRetrainRequest.IncumbentOnnxPath"/> run with ONNX Runtime, or the <see cref="RecentAccuracyGate"/> when
/// that is null) on the same newest <see cref="GateRetrainRequest.ValidationFraction"/> of the decisions, and writes the
/// candidate to OUTPUT/NAME-yyyyMMddTHHmmssZ.onnx with its card. Both evaluations carry the recent-accuracy gate's return
/// as BaselineReturn. Promotion is the caller's decision. Failures come back as an unsuccessful result, never as an
/// exception (except cancellation); an incumbent file that cannot be run leaves <see cref="GateRetrainResult.Incumbent"/>
/// null and says why in the message, with the candidate still written.
/// </summary>
public sealed class TorchGateTrainer : IGateTrainer
{
    private readonly TimeProvider _time;
    private readonly ILogger<TorchGateTrainer> _logger;
    private readonly GateTrainingOptions _baseOptions;

    public TorchGateTrainer(TimeProvider time, ILogger<TorchGateTrainer>? logger = null, GateTrainingOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _logger = logger ?? NullLogger<TorchGateTrainer>.Instance;
        _baseOptions = baseOptions ?? new GateTrainingOptions();
    }

    public Task<GateRetrainResult> RetrainAsync(GateRetrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Training is CPU-bound and synchronous: run it off the caller's thread.
        return Task.Run(() => Retrain(request, cancellationToken), cancellationToken);
    }

    private GateRetrainResult Retrain(GateRetrainRequest request, CancellationToken cancellationToken)
    {
        var options = _baseOptions with
        {
            ModelName = request.ModelName,
            Seed = request.Seed,
            ValidationFraction = request.ValidationFraction,
            Trigger = request.Trigger,
        };
        try
        {
            options.Validate();
            ArgumentNullException.ThrowIfNull(request.Decisions);
            ArgumentException.ThrowIfNullOrWhiteSpace(request.OutputDirectory);
            Directory.CreateDirectory(request.OutputDirectory);
            var fileName = TorchModelTrainer.VersionedFileName(request.ModelName, _time.GetUtcNow());
            var trainer = new GateTrainer(options, _time);
            var (result, card, onnxPath) = trainer.TrainAndExport(request.Decisions, request.Experts, request.OutputDirectory, fileName, cancellationToken);
            using (result)
            {
                var candidate = result.Validation;
                GateEvaluation? incumbent;
                string incumbentNote;
                if (request.IncumbentOnnxPath is null)
                {
                    var baseline = new RecentAccuracyGate(options.BaselineTemperature);
                    incumbent = GateEvaluator.Evaluate(result.ValidationDecisions, baseline, baseline);
                    incumbentNote = "incumbent: recent-accuracy gate";
                }
                else
                {
                    try
                    {
                        using var gate = OnnxGate.Load(request.IncumbentOnnxPath);
                        incumbent = GateEvaluator.Evaluate(result.ValidationDecisions, gate, new RecentAccuracyGate(options.BaselineTemperature));
                        incumbentNote = "incumbent: " + gate.Name;
                    }
                    catch (Exception ex) when (ex is IOException or InvalidDataException or OnnxRuntimeException or ArgumentException)
                    {
                        _logger.LogWarning(ex, "Gate incumbent {Path} could not be evaluated: {Reason}", request.IncumbentOnnxPath, ex.Message);
                        incumbent = null;
                        incumbentNote = "incumbent could not be evaluated: " + ex.Message;
                    }
                }

                _logger.LogInformation(
                    "Retrained gate {Model} ({Trigger}): {Train} train / {Validation} validation decisions, candidate return {Candidate:E3}, incumbent return {Incumbent:E3}, wrote {Path}",
                    request.ModelName, request.Trigger, result.Split.TrainCount, result.Split.ValidationCount, candidate.CombinedReturn, incumbent?.CombinedReturn, onnxPath);
                var message = string.Create(CultureInfo.InvariantCulture,
                    $"{result.Status}: best epoch {result.BestEpoch} of {result.Epochs.Count}, {result.Split.TrainCount} train / {result.Split.ValidationCount} validation decisions; candidate {candidate.CombinedReturn:E3}, {incumbentNote}{(incumbent is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" {incumbent.CombinedReturn:E3}"))}.");
                return new GateRetrainResult(true, Path.GetFullPath(onnxPath), candidate, incumbent, message);
            }
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or InvalidOperationException or ExternalException)
        {
            _logger.LogWarning(ex, "Gate retraining {Model} ({Trigger}) failed: {Reason}", request.ModelName, request.Trigger, ex.Message);
            return new GateRetrainResult(false, null, null, null, "Gate retraining failed: " + ex.Message);
        }
    }
}
