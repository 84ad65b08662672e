using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Configuration;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The "continual-learning" process: counts newly confirmed pivots of the label level on the primary symbol and, after
/// <see cref="ContinualLearningOptions.RetrainAfterPivots"/> of them or when an admin asks, retrains the CNN in the
/// background on the recent window of stored candles of every series of the running feature schema, then offers the new
/// model to the registry so it passes the same validation gate as any other. One run at a time; the trainer never runs on
/// the pipeline's threads and its failures never escape into the host (they become a Warning alert and the last message).
/// </summary>
public sealed partial class ContinualLearningService : ManagedProcess, IContinualLearning
{
    public const string ProcessName = "continual-learning";

    public const string TrainerMissing = "trainer not available in this host";

    public const string AlreadyRunning = "already running";

    public const string AlertCategory = "models";

    public const string AuditAction = "models.retrain";

    public const string AuditOutcomeAction = "models.retrain.completed";

    private const string AuditTarget = "continual-learning";

    private const int PivotQueueCapacity = 10_000;

    private readonly IDataProcessorState _processor;
    private readonly ICandleStore _candles;
    private readonly SqliteContinualLearningStore _store;
    private readonly IAuditLog _audit;
    private readonly IAlertService _alerts;
    private readonly IModelTrainer? _trainer;
    private readonly IModelRegistry? _registry;
    private readonly ContinualLearningOptions _options;
    private readonly string _primarySymbol;
    private readonly Lock _gate = new();
    private readonly ChangeListeners _listeners = new();
    private ContinualLearningState _state;
    private bool _loopRunning;
    private bool _training;
    private CancellationToken _processToken;
    private Task _run = Task.CompletedTask;
    private long _lostPivots;

    public ContinualLearningService(
        IDataProcessorState processor,
        ICandleStore candles,
        SqliteContinualLearningStore store,
        IAuditLog audit,
        IAlertService alerts,
        IOptions<ContinualLearningOptions> options,
        IOptions<TradingOptions> trading,
        TimeProvider timeProvider,
        ILogger<ContinualLearningService> logger,
        IModelTrainer? trainer = null,
        IModelRegistry? registry = null)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(trading);
        _processor = processor;
        _candles = candles;
        _store = store;
        _audit = audit;
        _alerts = alerts;
        _trainer = trainer;
        _registry = registry;
        _options = options.Value;
        _primarySymbol = trading.Value.PrimarySymbol;
        _state = store.Load();
    }

    public override string Name => ProcessName;

    public override string Description => "Retrains the CNN in the background after new confirmed pivots or on an admin's request";

    public override bool AutoStart => _options.Enabled;

    public ContinualLearningStatus Status
    {
        get
        {
            lock (_gate)
            {
                return new ContinualLearningStatus(
                    _options.Enabled,
                    _training,
                    _state.ConfirmedPivotsSinceLastTraining,
                    _options.RetrainAfterPivots,
                    _state.LastRunAt,
                    _state.LastRunId,
                    _trainer is null ? TrainerMissing : _state.LastMessage);
            }
        }
    }

    public IDisposable Subscribe(Action changed) => _listeners.Add(changed);

    public async Task<string> RequestRetrainAsync(Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, AuditAction, AuditTarget, null, "refused: admin role required", allowed: false, ct);
            throw new AccessDeniedException("Only admins can retrain models.");
        }

        var answer = StartRun(actor, $"admin:{actor.Name}");
        await _audit.RecordAsync(actor, AuditAction, AuditTarget, null, answer, allowed: true, ct);
        return answer;
    }

    /// <summary>Waits for the training run in progress (if any) to finish; for tests and orderly shutdown.</summary>
    public Task WaitForRunAsync()
    {
        lock (_gate)
        {
            return _run;
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        lock (_gate)
        {
            _state = _store.Load();
            _processToken = stoppingToken;
            _loopRunning = true;
        }

        Notify();
        var channel = Channel.CreateBounded<int>(new BoundedChannelOptions(PivotQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        using var subscription = _processor.SubscribePivots(pivot =>
        {
            if (string.Equals(pivot.Symbol, _primarySymbol, StringComparison.Ordinal) && !channel.Writer.TryWrite(pivot.Level))
            {
                Interlocked.Increment(ref _lostPivots);
            }
        });
        LogStarted(Logger, _primarySymbol, _options.RetrainAfterPivots, _trainer is not null);

        try
        {
            var reader = channel.Reader;
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                // The level is read per batch: a newly promoted model with other label settings counts its own level.
                var level = CurrentLabels().PivotLevel;
                var counted = 0;
                var handled = 0;
                while (reader.TryRead(out var pivotLevel))
                {
                    handled++;
                    counted += pivotLevel == level ? 1 : 0;
                }

                var lost = Interlocked.Exchange(ref _lostPivots, 0);
                if (lost > 0)
                {
                    ReportError($"{lost} confirmed pivots were not counted: the queue was full.");
                }

                CountMessages(handled);
                if (counted > 0)
                {
                    AddPivots(counted);
                }
            }
        }
        finally
        {
            Task run;
            lock (_gate)
            {
                _loopRunning = false;
                run = _run;
            }

            // The run's token is linked to the stopping token: it is being cancelled; wait for it to record its outcome.
            await run;
            Notify();
        }
    }

    private void AddPivots(int count)
    {
        bool due;
        lock (_gate)
        {
            _state = _state with { ConfirmedPivotsSinceLastTraining = _state.ConfirmedPivotsSinceLastTraining + count };
            Save(_state);
            due = _options.RetrainAfterPivots > 0 && _state.ConfirmedPivotsSinceLastTraining >= _options.RetrainAfterPivots && _trainer is not null && !_training;
        }

        Notify();
        if (due)
        {
            var answer = StartRun(Actor.System, "pivots");
            LogAutomatic(Logger, _options.RetrainAfterPivots, answer);
        }
    }

    private string StartRun(Actor actor, string trigger)
    {
        string answer;
        lock (_gate)
        {
            answer = StartRunLocked(actor, trigger);
        }

        Notify();
        return answer;
    }

    private string StartRunLocked(Actor actor, string trigger)
    {
        if (!_options.Enabled)
        {
            return $"continual learning is disabled ({ContinualLearningOptions.SectionName}:Enabled is false)";
        }

        if (_trainer is null)
        {
            return TrainerMissing;
        }

        if (!_loopRunning)
        {
            return $"the {ProcessName} process is not running; start it on the System page";
        }

        if (_training)
        {
            return AlreadyRunning;
        }

        var schema = _processor.Schema;
        if (schema is null)
        {
            return "no feature schema yet: the data processor is not running or feature frames are disabled";
        }

        var now = TimeProvider.GetUtcNow();
        var modelName = $"{_options.ModelName}-{now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
        var labels = CurrentLabels();
        _training = true;
        _state = _state with { ConfirmedPivotsSinceLastTraining = 0 };
        Save(_state);
        var token = _processToken;
        _run = Task.Run(() => TrainAsync(_trainer, actor, trigger, schema.Settings, labels, modelName, token), CancellationToken.None);
        return $"started: training {modelName} ({trigger})";
    }

    private async Task TrainAsync(IModelTrainer trainer, Actor actor, string trigger, FeatureSettings features, PivotLabelSettings labels, string modelName, CancellationToken token)
    {
        string message;
        string? runId = null;
        try
        {
            var bars = await GatherBarsAsync(features, token);
            if (bars.Count == 0)
            {
                message = "training not started: no stored candles in the lookback window";
                _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Retraining {modelName}: {message}.");
            }
            else
            {
                LogTraining(Logger, modelName, trigger, bars.Count);
                var outputDirectory = Path.GetFullPath(string.IsNullOrWhiteSpace(_options.OutputDirectory) ? "onnx" : _options.OutputDirectory);
                var request = new RetrainRequest(bars, features, labels, outputDirectory, modelName, _options.Epochs, _options.Seed, trigger);
                var result = await trainer.RetrainAsync(request, token);
                runId = result.RunId;
                if (!result.Succeeded || string.IsNullOrWhiteSpace(result.OnnxPath))
                {
                    message = $"training failed: {result.Message}";
                    _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Retraining {modelName} failed: {result.Message}");
                }
                else if (_registry is null)
                {
                    message = $"trained {result.OnnxPath}, but this host has no model registry to validate and promote it";
                    _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Retrained {modelName}: {message}.");
                }
                else
                {
                    var promotion = await _registry.OfferAsync(result.OnnxPath, token);
                    if (promotion.Promoted)
                    {
                        message = $"promoted {modelName}: {promotion.Message}";
                        _alerts.Raise(AlertSeverity.Info, AlertCategory, $"Retrained model {modelName} promoted: {promotion.Message}");
                    }
                    else
                    {
                        message = $"{modelName} refused by the validation gate: {promotion.Message}";
                        _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Retrained model {modelName} refused by the validation gate: {promotion.Message}");
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            message = "cancelled: the process stopped";
        }
#pragma warning disable CA1031 // A failing trainer must never take the host down: it becomes an alert and the last message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogTrainingFailed(Logger, ex, modelName);
            message = $"training failed: {ex.Message}";
            _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Retraining {modelName} failed: {ex.Message}");
        }

        lock (_gate)
        {
            _training = false;
            _state = _state with { LastRunAt = TimeProvider.GetUtcNow(), LastRunId = runId, LastMessage = message };
            Save(_state);
        }

        Notify();
        try
        {
            await _audit.RecordAsync(actor, AuditOutcomeAction, modelName, trigger, message, allowed: true, CancellationToken.None);
        }
#pragma warning disable CA1031 // The outcome is already recorded in the status; an audit failure is logged, not thrown into nowhere.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAuditFailed(Logger, ex);
        }
    }

    /// <summary>Closed bars of every symbol and timeframe of the schema over each timeframe's lookback, in the order they closed.</summary>
    private async Task<List<OHLCVBar>> GatherBarsAsync(FeatureSettings features, CancellationToken token)
    {
        var now = TimeProvider.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var bars = new List<OHLCVBar>();
        foreach (var symbol in features.Symbols)
        {
            foreach (var timeframe in features.Timeframes)
            {
                var fromMs = (now - _options.LookbackFor(timeframe)).ToUnixTimeMilliseconds();
                bars.AddRange(await _candles.GetRangeAsync(symbol, timeframe, fromMs, nowMs, cancellationToken: token));
            }
        }

        var symbolOrder = features.Symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        return bars.Where(b => b.CloseTimeMs <= nowMs)
            .OrderBy(b => b.CloseTimeMs).ThenBy(b => b.Timeframe).ThenBy(b => symbolOrder[b.Symbol])
            .ToList();
    }

    /// <summary>The label settings of the active CNN (a retrained model is scored like the one it replaces), else the defaults.</summary>
    private PivotLabelSettings CurrentLabels()
    {
        try
        {
            return _registry?.Active.FirstOrDefault(m => string.Equals(m.Card.Kind, ModelKinds.Cnn, StringComparison.Ordinal))?.Card.Labels
                ?? PivotLabelSettings.Default;
        }
        catch (ObjectDisposedException)
        {
            return PivotLabelSettings.Default;
        }
    }

    private void Save(ContinualLearningState state)
    {
        try
        {
            _store.Save(state);
        }
        catch (SqliteException ex)
        {
            LogStoreFailed(Logger, ex);
            ReportError($"Saving the continual learning state failed: {ex.Message}");
        }
    }

    private void Notify() => _listeners.Raise(ex => LogListenerFailed(Logger, ex));

    [LoggerMessage(Level = LogLevel.Information, Message = "Continual learning started on {Symbol}: retrain after {Pivots} pivots (0 = on request only); trainer present: {HasTrainer}")]
    private static partial void LogStarted(ILogger logger, string symbol, int pivots, bool hasTrainer);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Pivots} new confirmed pivots: retraining ({Answer})")]
    private static partial void LogAutomatic(ILogger logger, int pivots, string answer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {Model} ({Trigger}) on {Bars} stored candles")]
    private static partial void LogTraining(ILogger logger, string model, string trigger, int bars);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retraining {Model} failed")]
    private static partial void LogTrainingFailed(ILogger logger, Exception error, string model);

    [LoggerMessage(Level = LogLevel.Error, Message = "Continual learning state could not be saved")]
    private static partial void LogStoreFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Error, Message = "The retraining outcome could not be audited")]
    private static partial void LogAuditFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A continual learning subscriber failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception error);
}
