using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.Orchestration;

/// <summary>One retraining track (the gate or the RL agent).</summary>
/// <param name="TrainerAvailable">False: no trainer is registered in this host ("trainer not available").</param>
/// <param name="LastMessage">How the last run ended, in words (promoted, not promoted and why, failed).</param>
public sealed record LearningTrackStatus(bool TrainerAvailable, bool Running, DateTimeOffset? LastRunAt, string? LastMessage);

/// <summary>Where learning from outcomes stands, for the dashboard.</summary>
/// <param name="ResolvedSinceGateTraining">Decisions resolved since the last gate training (or this process's start).</param>
/// <param name="RetrainGateAfter">The number that starts a gate retraining (0: on request only).</param>
/// <param name="RetrainRlEveryHours">Hours between RL retrainings (0: on request only).</param>
public sealed record OrchestratorLearningStatus(
    bool Enabled,
    bool ProcessRunning,
    LearningTrackStatus Gate,
    LearningTrackStatus Rl,
    long ResolvedSinceGateTraining,
    int RetrainGateAfter,
    double RetrainRlEveryHours);

/// <summary>Retraining of the orchestrator's gate and RL agent from outcomes (admin requests are checked and audited on the server).</summary>
public interface IOrchestratorLearning
{
    OrchestratorLearningStatus Status { get; }

    /// <summary>Starts a gate retraining in the background and says what happened. Admins only (<see cref="AccessDeniedException"/>); audited.</summary>
    Task<string> RequestGateRetrainAsync(Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Starts an RL retraining in the background and says what happened. Admins only (<see cref="AccessDeniedException"/>); audited.</summary>
    Task<string> RequestRlRetrainAsync(Actor actor, CancellationToken cancellationToken = default);

    IDisposable Subscribe(Action changed);
}

/// <summary>
/// The "orchestrator-learning" process (as <see cref="ContinualLearningService"/> for the CNN): retrains the trained
/// gate after <see cref="OrchestratorLearningOptions.RetrainGateAfterDecisions"/> newly resolved decisions, and the RL
/// agent every <see cref="OrchestratorLearningOptions.RetrainRlEveryHours"/>, or either when an admin asks. The gate
/// trainer gets the newest resolved decisions of the <see cref="IDecisionOutcomeStore"/>; the policy trainer gets the
/// recent closed candles of the store (orchestrator timeframe, every symbol of the feature schema), the feature settings,
/// the active CNN's file and the incumbent policy. A candidate is written under the candidates folder and promoted only
/// when its walk-forward result is not worse than the incumbent's on the same tail (<see cref="TrainedGate.OfferAsync"/>:
/// CombinedReturn; <see cref="RlPolicyRegistry.OfferAsync"/>: Sharpe). One run per track at a time, on the thread pool:
/// decisions never wait for it; failures become a Warning alert and the last message, never an exception in the host.
/// </summary>
public sealed partial class OrchestratorLearningService : ManagedProcess, IOrchestratorLearning
{
    public const string ProcessName = "orchestrator-learning";
    public const string TrainerMissing = "trainer not available";
    public const string AlreadyRunning = "already running";
    public const string GateAuditAction = "orchestrator.retrain-gate";
    public const string RlAuditAction = "orchestrator.retrain-rl";
    public const string AlertCategory = "models";

    private readonly IDecisionOutcomeStore _outcomes;
    private readonly IAuditLog _audit;
    private readonly IAlertService _alerts;
    private readonly OrchestratorLearningOptions _options;
    private readonly Timeframe _timeframe;
    private readonly IReadOnlyList<string> _experts;
    private readonly string _candidates;
    private readonly string _modelsFolder;
    private readonly IGateTrainer? _gateTrainer;
    private readonly IPolicyTrainer? _policyTrainer;
    private readonly TrainedGate? _gate;
    private readonly RlPolicyRegistry? _policies;
    private readonly ICandleStore? _candles;
    private readonly RunningFeatureSchema? _schema;
    private readonly IModelRegistry? _models;
    private readonly string _primarySymbol;
    private readonly Lock _lock = new();
    private readonly ChangeListeners _listeners = new();
    private Track _gateTrack = new();
    private Track _rlTrack = new();
    private long _resolvedAtGateTraining = -1;
    private DateTimeOffset? _startedAt;
    private bool _loopRunning;
    private CancellationToken _processToken;

    public OrchestratorLearningService(
        IDecisionOutcomeStore outcomes,
        IAuditLog audit,
        IAlertService alerts,
        IOptions<OrchestratorLearningOptions> options,
        IOptions<OrchestratorOptions> orchestrator,
        ModelsFolder models,
        IReadOnlyList<string> experts,
        string primarySymbol,
        TimeProvider timeProvider,
        ILogger<OrchestratorLearningService> logger,
        IGateTrainer? gateTrainer = null,
        IPolicyTrainer? policyTrainer = null,
        TrainedGate? gate = null,
        RlPolicyRegistry? policies = null,
        ICandleStore? candles = null,
        RunningFeatureSchema? schema = null,
        IModelRegistry? modelRegistry = null)
        : base(timeProvider, logger)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(alerts);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(experts);
        _outcomes = outcomes;
        _audit = audit;
        _alerts = alerts;
        _options = options.Value;
        _timeframe = TimeframeExtensions.Parse(orchestrator.Value.Timeframe);
        _experts = experts;
        _primarySymbol = primarySymbol;
        _modelsFolder = models.Path;
        _candidates = Path.GetFullPath(string.IsNullOrWhiteSpace(_options.CandidateDirectory) ? Path.Combine(models.Path, "candidates") : _options.CandidateDirectory);
        _gateTrainer = gateTrainer;
        _policyTrainer = policyTrainer;
        _gate = gate;
        _policies = policies;
        _candles = candles;
        _schema = schema;
        _models = modelRegistry;
    }

    public override string Name => ProcessName;

    public override string Description => "Retrains the orchestrator's gate from recorded decision outcomes and the RL agent from recent candles; promotes only what is not worse";

    public override bool AutoStart => _options.Enabled;

    public OrchestratorLearningStatus Status
    {
        get
        {
            lock (_lock)
            {
                var resolved = _outcomes.Stats.Resolved;
                return new OrchestratorLearningStatus(
                    _options.Enabled,
                    _loopRunning,
                    new LearningTrackStatus(_gateTrainer is not null, _gateTrack.Running, _gateTrack.LastRunAt, _gateTrainer is null ? TrainerMissing : _gateTrack.LastMessage),
                    new LearningTrackStatus(_policyTrainer is not null, _rlTrack.Running, _rlTrack.LastRunAt, _policyTrainer is null ? TrainerMissing : _rlTrack.LastMessage),
                    _resolvedAtGateTraining < 0 ? 0 : resolved - _resolvedAtGateTraining,
                    _options.RetrainGateAfterDecisions,
                    _options.RetrainRlEveryHours);
            }
        }
    }

    public Task<string> RequestGateRetrainAsync(Actor actor, CancellationToken cancellationToken = default) =>
        RequestAsync(actor, GateAuditAction, "gate", StartGateRun, cancellationToken);

    public Task<string> RequestRlRetrainAsync(Actor actor, CancellationToken cancellationToken = default) =>
        RequestAsync(actor, RlAuditAction, "rl", StartRlRun, cancellationToken);

    /// <summary>Waits for the runs in progress (tests, orderly shutdown).</summary>
    public Task WaitForRunsAsync()
    {
        lock (_lock)
        {
            return Task.WhenAll(_gateTrack.Run, _rlTrack.Run);
        }
    }

    public IDisposable Subscribe(Action changed) => _listeners.Add(changed);

    /// <summary>One check of the automatic triggers (the loop body; public for tests).</summary>
    public void CheckTriggers()
    {
        var now = TimeProvider.GetUtcNow();
        bool gateDue;
        bool rlDue;
        lock (_lock)
        {
            var resolved = _outcomes.Stats.Resolved;
            if (_resolvedAtGateTraining < 0)
            {
                _resolvedAtGateTraining = resolved;
            }

            gateDue = _options.RetrainGateAfterDecisions > 0 && _gateTrainer is not null && !_gateTrack.Running
                && resolved - _resolvedAtGateTraining >= _options.RetrainGateAfterDecisions;
            var last = _rlTrack.LastRunAt ?? _startedAt ?? now;
            rlDue = _options.RetrainRlEveryHours > 0 && _policyTrainer is not null && !_rlTrack.Running
                && now - last >= TimeSpan.FromHours(_options.RetrainRlEveryHours);
        }

        if (gateDue)
        {
            LogAutomatic(Logger, "gate", StartRun(Actor.System, "decisions", StartGateRun));
        }

        if (rlDue)
        {
            LogAutomatic(Logger, "rl", StartRun(Actor.System, "schedule", StartRlRun));
        }
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            _processToken = stoppingToken;
            _loopRunning = true;
            _startedAt = TimeProvider.GetUtcNow();
            _resolvedAtGateTraining = _outcomes.Stats.Resolved;
        }

        Notify();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(_options.CheckIntervalSeconds), TimeProvider, stoppingToken).ConfigureAwait(false);
                CheckTriggers();
                CountMessages();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            Task runs;
            lock (_lock)
            {
                _loopRunning = false;
                runs = Task.WhenAll(_gateTrack.Run, _rlTrack.Run);
            }

            await runs.ConfigureAwait(false);
            Notify();
        }
    }

    private async Task<string> RequestAsync(Actor actor, string auditAction, string track, Func<Actor, string, string> start, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, auditAction, track, null, "refused: admin role required", allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException($"Only admins can retrain the {(track == "rl" ? "RL agent" : "gate")}.");
        }

        var answer = StartRun(actor, $"admin:{actor.Name}", start);
        await _audit.RecordAsync(actor, auditAction, track, null, answer, allowed: true, cancellationToken).ConfigureAwait(false);
        return answer;
    }

    private string StartRun(Actor actor, string trigger, Func<Actor, string, string> start)
    {
        string answer;
        lock (_lock)
        {
            answer = start(actor, trigger);
        }

        Notify();
        return answer;
    }

    /// <summary>Under <see cref="_lock"/>.</summary>
    private string StartGateRun(Actor actor, string trigger)
    {
        if (_gateTrainer is null)
        {
            return "gate: " + TrainerMissing;
        }

        if (Refusal(_gateTrack) is { } refusal)
        {
            return "gate: " + refusal;
        }

        var trainer = _gateTrainer;
        var token = _processToken;
        _gateTrack = _gateTrack with { Running = true };
        _resolvedAtGateTraining = _outcomes.Stats.Resolved;
        var name = "gate-" + Stamp();
        _gateTrack = _gateTrack with { Run = Task.Run(() => TrainGateAsync(trainer, actor, trigger, name, token), CancellationToken.None) };
        return $"started: training {name} ({trigger})";
    }

    /// <summary>Under <see cref="_lock"/>.</summary>
    private string StartRlRun(Actor actor, string trigger)
    {
        if (_policyTrainer is null)
        {
            return "rl: " + TrainerMissing;
        }

        if (Refusal(_rlTrack) is { } refusal)
        {
            return "rl: " + refusal;
        }

        var trainer = _policyTrainer;
        var token = _processToken;
        var name = "rl-" + _options.RlAlgorithm + "-" + Stamp();
        _rlTrack = _rlTrack with { Running = true, LastRunAt = TimeProvider.GetUtcNow() };
        _rlTrack = _rlTrack with { Run = Task.Run(() => TrainRlAsync(trainer, actor, trigger, name, token), CancellationToken.None) };
        return $"started: training {name} ({trigger})";
    }

    private string? Refusal(Track track)
    {
        if (!_loopRunning)
        {
            return $"the {ProcessName} process is not running; start it on the System page";
        }

        return track.Running ? AlreadyRunning : null;
    }

    private async Task TrainGateAsync(IGateTrainer trainer, Actor actor, string trigger, string name, CancellationToken token)
    {
        var message = await GuardedAsync("Gate", name, () => RetrainGateAsync(trainer, trigger, name, token), token).ConfigureAwait(false);
        lock (_lock)
        {
            _gateTrack = _gateTrack with { Running = false, LastRunAt = TimeProvider.GetUtcNow(), LastMessage = message };
        }

        await Finish(actor, GateAuditAction + ".completed", name, trigger, message).ConfigureAwait(false);
    }

    private async Task<string> RetrainGateAsync(IGateTrainer trainer, string trigger, string name, CancellationToken token)
    {
        var decisions = _outcomes.Resolved(_options.GateTrainingDecisions);
        if (decisions.Count < _options.MinimumGateDecisions)
        {
            return $"not trained: {decisions.Count} resolved decisions, at least {_options.MinimumGateDecisions} needed";
        }

        LogTraining(Logger, name, trigger, decisions.Count);
        var request = new GateRetrainRequest(decisions, _experts, _gate?.CurrentPath, Path.Combine(_candidates, TrainedGate.FolderName), name, _options.Seed, _options.ValidationFraction, trigger);
        var result = await trainer.RetrainAsync(request, token).ConfigureAwait(false);
        if (!result.Succeeded || string.IsNullOrWhiteSpace(result.OnnxPath))
        {
            return TrainingFailed("Gate", name, result.Message);
        }

        if (_gate is null)
        {
            return $"trained {result.OnnxPath}, but the trained gate is off (Trading:Orchestrator:Gate is recent-accuracy): not promoted";
        }

        return (await _gate.OfferAsync(result.OnnxPath, result.Candidate, result.Incumbent, token).ConfigureAwait(false)).Message;
    }

    private async Task TrainRlAsync(IPolicyTrainer trainer, Actor actor, string trigger, string name, CancellationToken token)
    {
        var message = await GuardedAsync("RL", name, () => RetrainRlAsync(trainer, trigger, name, token), token).ConfigureAwait(false);
        lock (_lock)
        {
            _rlTrack = _rlTrack with { Running = false, LastMessage = message };
        }

        await Finish(actor, RlAuditAction + ".completed", name, trigger, message).ConfigureAwait(false);
    }

    private async Task<string> RetrainRlAsync(IPolicyTrainer trainer, string trigger, string name, CancellationToken token)
    {
        var features = _schema?.Current?.Settings;
        if (features is null)
        {
            return "not trained: no feature schema (feature frames are disabled or the data processor is not configured)";
        }

        if (_candles is null)
        {
            return "not trained: no candle store in this host";
        }

        var bars = await GatherBarsAsync(features, token).ConfigureAwait(false);
        if (bars.Count == 0)
        {
            return "not trained: no stored candles in the lookback window";
        }

        LogTraining(Logger, name, trigger, bars.Count);
        var request = new PolicyRetrainRequest(
            bars, _primarySymbol, _options.RlAlgorithm, features, ActiveCnnPath(), _policies?.CurrentPath,
            Path.Combine(_candidates, RlPolicyRegistry.FolderName), name, _options.RlEpisodes, _options.Seed, _options.ValidationFraction, trigger);
        var result = await trainer.RetrainAsync(request, token).ConfigureAwait(false);
        if (!result.Succeeded || string.IsNullOrWhiteSpace(result.OnnxPath))
        {
            return TrainingFailed("RL", name, result.Message);
        }

        if (_policies is null)
        {
            return $"trained {result.OnnxPath}, but this host has no RL policy registry (AddRlExpert): not promoted";
        }

        return (await _policies.OfferAsync(result.OnnxPath, result.Candidate, result.Incumbent, token).ConfigureAwait(false)).Message;
    }

    /// <summary>Runs one retraining; a stop or a failing trainer becomes the track's last message (and an alert), never a crash.</summary>
    private async Task<string> GuardedAsync(string what, string name, Func<Task<string>> retrain, CancellationToken token)
    {
        try
        {
            return await retrain().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            return "cancelled: the process stopped";
        }
#pragma warning disable CA1031 // A failing trainer must never take the host down: it becomes an alert and the last message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogFailed(Logger, ex, name);
            return TrainingFailed(what, name, ex.Message);
        }
    }

    private string TrainingFailed(string what, string name, string reason)
    {
        _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"{what} retraining {name} failed: {reason}");
        return $"training failed: {reason}";
    }

    private async Task Finish(Actor actor, string action, string name, string trigger, string message)
    {
        LogFinished(Logger, name, message);
        Notify();
        try
        {
            await _audit.RecordAsync(actor, action, name, trigger, message, allowed: true, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The outcome is in the status already; an audit failure is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAuditFailed(Logger, ex);
        }
    }

    /// <summary>Closed candles of the orchestrator's timeframe for every symbol of the schema, in time order (then the schema's symbol order).</summary>
    private async Task<List<OHLCVBar>> GatherBarsAsync(FeatureSettings features, CancellationToken token)
    {
        var now = TimeProvider.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var fromMs = (now - TimeSpan.FromDays(_options.RlLookbackDays)).ToUnixTimeMilliseconds();
        var symbols = features.Symbols.Contains(_primarySymbol, StringComparer.Ordinal) ? features.Symbols : [_primarySymbol, .. features.Symbols];
        var bars = new List<OHLCVBar>();
        foreach (var symbol in symbols)
        {
            bars.AddRange(await _candles!.GetRangeAsync(symbol, _timeframe, fromMs, nowMs, cancellationToken: token).ConfigureAwait(false));
        }

        var order = symbols.Select((s, i) => (s, i)).ToDictionary(x => x.s, x => x.i, StringComparer.Ordinal);
        return bars.Where(b => b.IsClosed && b.CloseTimeMs <= nowMs).OrderBy(b => b.OpenTimeMs).ThenBy(b => order[b.Symbol]).ToList();
    }

    private string? ActiveCnnPath()
    {
        var name = _models?.Models.FirstOrDefault(m => m.Active && string.Equals(m.Card.Kind, ModelKinds.Cnn, StringComparison.Ordinal))?.Name;
        var path = name is null ? null : Path.Combine(_modelsFolder, name + ".onnx");
        return path is not null && File.Exists(path) ? path : null;
    }

    private string Stamp() => TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private void Notify() => _listeners.Raise(ex => LogListenerFailed(Logger, ex));

    [LoggerMessage(EventId = 6741, Level = LogLevel.Information, Message = "Orchestrator learning: automatic {Track} retraining: {Answer}")]
    private static partial void LogAutomatic(ILogger logger, string track, string answer);

    [LoggerMessage(EventId = 6742, Level = LogLevel.Information, Message = "Retraining {Model} ({Trigger}) on {Count} items")]
    private static partial void LogTraining(ILogger logger, string model, string trigger, int count);

    [LoggerMessage(EventId = 6743, Level = LogLevel.Error, Message = "Retraining {Model} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string model);

    [LoggerMessage(EventId = 6744, Level = LogLevel.Information, Message = "Retraining {Model} finished: {Message}")]
    private static partial void LogFinished(ILogger logger, string model, string message);

    [LoggerMessage(EventId = 6745, Level = LogLevel.Error, Message = "The orchestrator retraining outcome could not be audited")]
    private static partial void LogAuditFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6746, Level = LogLevel.Warning, Message = "An orchestrator learning subscriber failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    private sealed record Track
    {
        public bool Running { get; init; }

        public DateTimeOffset? LastRunAt { get; init; }

        public string? LastMessage { get; init; }

        public Task Run { get; init; } = Task.CompletedTask;
    }
}
