using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TradingDashboard.Core.Models;
using TradingDashboard.Trainer.Datasets;

namespace TradingDashboard.Trainer.Cnn;

/// <summary>
/// The host's background retraining (<see cref="IModelTrainer"/>): builds a dataset from the request's recent bars with the
/// same DataProcessor as the live pipeline, trains a CNN with one torch thread (so it never starves the pipeline), and writes
/// OUTPUT/NAME-VERSION.onnx with its card and run record. The new file then goes through the registry's validation gate.
/// Failures come back as an unsuccessful <see cref="RetrainResult"/> (the run record says "failed"), never as an exception,
/// except cancellation.
/// </summary>
public sealed class TorchModelTrainer : IModelTrainer
{
    private readonly TimeProvider _time;
    private readonly ILogger<TorchModelTrainer> _logger;
    private readonly CnnTrainingOptions _baseOptions;

    public TorchModelTrainer(TimeProvider time, ILogger<TorchModelTrainer>? logger = null, CnnTrainingOptions? baseOptions = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _logger = logger ?? NullLogger<TorchModelTrainer>.Instance;
        _baseOptions = baseOptions ?? new CnnTrainingOptions();
    }

    /// <summary>The versioned file name a retraining writes: NAME-yyyyMMddTHHmmssZ.onnx.</summary>
    public static string VersionedFileName(string modelName, DateTimeOffset at) =>
        $"{modelName}-{at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.onnx";

    public Task<RetrainResult> RetrainAsync(RetrainRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Training is CPU-bound and synchronous: run it off the caller's thread.
        return Task.Run(() => Retrain(request, cancellationToken), cancellationToken);
    }

    private RetrainResult Retrain(RetrainRequest request, CancellationToken cancellationToken)
    {
        var options = _baseOptions with
        {
            ModelName = request.ModelName,
            Epochs = request.Epochs,
            Seed = request.Seed,
            Threads = 1,
            Trigger = request.Trigger,
        };
        try
        {
            options.Validate();
            var dataset = PivotDatasetBuilder.BuildFromBars(request.Bars, request.Features, request.Labels);
            if (dataset.Count < 10)
            {
                return new RetrainResult(false, null, null, $"Only {dataset.Count} frames from {request.Bars.Count} bars: too few to train.");
            }

            Directory.CreateDirectory(request.OutputDirectory);
            var fileName = VersionedFileName(request.ModelName, _time.GetUtcNow());
            var trainer = new CnnTrainer(options, _time);
            var (result, card, onnxPath) = trainer.TrainAndExport(dataset, request.OutputDirectory, fileName, "host retraining", cancellationToken);
            using (result)
            {
                _logger.LogInformation(
                    "Retrained {Model} ({Trigger}): {Frames} frames, {Epochs} epochs, status {Status}, gate score {GateScore:F3}, wrote {Path}",
                    request.ModelName, request.Trigger, dataset.Count, result.Epochs.Count, result.Status, card.GateScore, onnxPath);
                return new RetrainResult(true, Path.GetFullPath(onnxPath), result.RunId,
                    string.Create(CultureInfo.InvariantCulture, $"{result.Status}: {result.Epochs.Count} epochs on {dataset.Count} frames, gate score {card.GateScore:F3}."));
            }
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or InvalidOperationException or ExternalException)
        {
            _logger.LogWarning(ex, "Retraining {Model} ({Trigger}) failed: {Reason}", request.ModelName, request.Trigger, ex.Message);
            return new RetrainResult(false, null, null, "Retraining failed: " + ex.Message);
        }
    }
}
