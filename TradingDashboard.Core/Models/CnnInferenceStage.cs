using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The "cnn-inference" stage: runs every active model of the registry (the CNN, the FastTree experts) on each feature
/// frame the data processor builds (one per close of the anchor bar) and publishes the <see cref="CNNPrediction"/>s to the
/// <see cref="PredictionFeed"/>. Frames wait in a small bounded queue; when inference falls behind the oldest frame is
/// dropped and counted (only the newest frame is worth predicting on). A model that fails at run time is reported to the
/// registry, which hands its slot to the previous model, and the stage goes on.
/// </summary>
public sealed partial class CnnInferenceStage : ManagedProcess
{
    public const string ProcessName = "cnn-inference";

    private readonly IDataProcessorState _processor;
    private readonly IModelRegistry _registry;
    private readonly PredictionFeed _feed;
    private readonly ModelsOptions _options;
    private long _dropped;
    private long _noModel;
    private long _schemaMismatch;
    private long _predictions;
    private long _failures;
    private int _reportedNoModel;

    public CnnInferenceStage(
        IDataProcessorState processor,
        IModelRegistry registry,
        PredictionFeed feed,
        IOptions<ModelsOptions> options,
        TimeProvider timeProvider,
        ILogger<CnnInferenceStage> logger)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _processor = processor;
        _registry = registry;
        _feed = feed;
        _options = options.Value;
    }

    public override string Name => ProcessName;

    public override string Description => $"Pivot models (CNN, FastTree) on each new feature frame at bar close: {Status}";

    public override bool AutoStart => _options.AutoStart;

    /// <summary>"no model loaded", or the active models with their execution provider, and the counts of skipped work.</summary>
    public string Status
    {
        get
        {
            var active = _registry.Active;
            var models = active.Count == 0
                ? "no model loaded"
                : string.Join(", ", active.Select(m => $"{m.Card.Name} ({m.ExecutionProvider})"));
            var notes = new List<string>();
            if (FramesDropped > 0)
            {
                notes.Add($"{FramesDropped} frames dropped (behind)");
            }

            if (FramesWithoutModel > 0)
            {
                notes.Add($"{FramesWithoutModel} frames without a model");
            }

            if (SchemaMismatches > 0)
            {
                notes.Add($"{SchemaMismatches} frames of another feature schema");
            }

            if (Failures > 0)
            {
                notes.Add($"{Failures} model failures");
            }

            return notes.Count == 0 ? models : $"{models}; {string.Join(", ", notes)}";
        }
    }

    /// <summary>Frames dropped because the queue was full (the oldest goes).</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames that arrived while no model was active.</summary>
    public long FramesWithoutModel => Interlocked.Read(ref _noModel);

    /// <summary>Model runs skipped because the frame's schema hash differs from the model's.</summary>
    public long SchemaMismatches => Interlocked.Read(ref _schemaMismatch);

    public long Predictions => Interlocked.Read(ref _predictions);

    public long Failures => Interlocked.Read(ref _failures);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var channel = Channel.CreateBounded<FeatureFrame>(
            new BoundedChannelOptions(_options.InferenceChannelCapacity)
            {
                // Only the newest frame matters to a live prediction: under load the oldest waiting one goes, counted.
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => Interlocked.Increment(ref _dropped));
        using var subscription = _processor.SubscribeFrames(frame => channel.Writer.TryWrite(frame));
        LogStarted(Logger, Status);
        await foreach (var frame in channel.Reader.ReadAllAsync(stoppingToken))
        {
            Infer(frame);
            CountMessages();
        }
    }

    /// <summary>Runs every active model on <paramref name="frame"/> and publishes the predictions; returns how many were published.</summary>
    public int Infer(FeatureFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var models = _registry.Active;
        if (models.Count == 0)
        {
            Interlocked.Increment(ref _noModel);
            if (Interlocked.Exchange(ref _reportedNoModel, 1) == 0)
            {
                LogNoModel(Logger, frame.Symbol);
            }

            return 0;
        }

        Volatile.Write(ref _reportedNoModel, 0);
        var published = 0;
        foreach (var model in models)
        {
            var name = model.Card.Name;
            if (!string.Equals(model.Card.FeatureSchemaHash, frame.SchemaHash, StringComparison.OrdinalIgnoreCase))
            {
                // The processor was restarted with other feature settings than the model was trained on.
                Interlocked.Increment(ref _schemaMismatch);
                continue;
            }

            CNNPrediction prediction;
            try
            {
                prediction = model.Predict(frame);
            }
            catch (ModelRuntimeException ex)
            {
                Interlocked.Increment(ref _failures);
                ReportError($"model {name} failed: {ex.Message}");
                _registry.ReportFailure(name, ex);
                continue;
            }
            catch (ObjectDisposedException)
            {
                // Replaced by a new file of the same name between reading the active list and the call.
                continue;
            }

            _registry.RecordLatency(name, prediction.LatencyMicroseconds);
            _feed.Publish(prediction);
            Interlocked.Increment(ref _predictions);
            published++;
        }

        return published;
    }

    [LoggerMessage(EventId = 6401, Level = LogLevel.Information, Message = "CNN inference stage started: {Status}")]
    private static partial void LogStarted(ILogger logger, string status);

    [LoggerMessage(EventId = 6402, Level = LogLevel.Warning, Message = "Feature frame of {Symbol} not scored: no model loaded")]
    private static partial void LogNoModel(ILogger logger, string symbol);
}
