using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>Where the RL policy registry stands, for the dashboard.</summary>
/// <param name="Folder">The folder scanned (MODELS/rl).</param>
/// <param name="Active">The policy the RL expert uses; null: none loaded.</param>
/// <param name="ExecutionProvider">"CUDA" or "CPU" of the active policy.</param>
/// <param name="SelectedBy">Why the active one is active ("best validation Sharpe", "promoted ...", "switched by NAME").</param>
/// <param name="Loaded">Names of every policy that passed the checks (switch targets).</param>
/// <param name="Refused">Files refused, with the reason.</param>
public sealed record RlPolicyStatus(
    string Folder,
    PolicyModelCard? Active,
    string? ExecutionProvider,
    string? SelectedBy,
    IReadOnlyList<string> Loaded,
    IReadOnlyList<RefusedModel> Refused);

/// <summary>
/// The RL policies of the models folder's <c>rl</c> subfolder (<see cref="FolderName"/>): every <c>*.onnx</c> with its
/// <see cref="PolicyModelCard"/> beside it is loaded through <see cref="OnnxRlPolicy.Load"/> (card, metadata, SHA-256,
/// shapes, finite outputs) and refused, with the reason kept for the dashboard, logged and alerted, when a check fails or
/// when its <see cref="PolicyModelCard.ObservationNames"/> differ from what this host would build
/// (<see cref="RlObservationSpec.BuildSource"/> over the running feature schema and CNN, then the position state), or
/// the active CNN gives another hidden size. At start the policy an admin or a promotion last selected is active
/// (remembered in <c>rl/active.json</c>), else the best validation Sharpe (ties: the newest card). New or changed files
/// are picked up while running (Trading:Models:WatchForNewModels, PollIntervalSeconds) and offered like a retrained one.
/// <see cref="OfferAsync"/> promotes only when the candidate's walk-forward Sharpe is at least the incumbent's.
/// </summary>
public sealed partial class RlPolicyRegistry : IRlPolicySource, IHostedService, IDisposable
{
    public const string FolderName = "rl";
    public const string AlertCategory = "models";
    public const string PromoteAuditAction = "rl.promote";
    public const string SwitchAuditAction = "rl.switch";
    private const string SelectionFile = "active.json";
    private const int MaxRefused = 200;

    private readonly OnnxSessionFactory _sessions;
    private readonly RunningFeatureSchema? _schema;
    private readonly IFeatureFrameSource? _frames;
    private readonly ICnnPredictionSource? _predictions;
    private readonly IModelRegistry? _models;
    private readonly ModelsOptions _options;
    private readonly IAlertService _alerts;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _offers = new(1, 1);
    private readonly Dictionary<string, OnnxRlPolicy> _loaded = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefusedModel> _refused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly List<IRlPolicy> _retired = [];
    private readonly HashSet<string> _refusedForEnvironment = new(StringComparer.Ordinal);
    private string _environment = string.Empty;
    private readonly ChangeListeners _listeners = new();
    private volatile OnnxRlPolicy? _current;
    private string? _selectedBy;
    private CancellationTokenSource? _pollCts;
    private Task? _pollTask;

    public RlPolicyRegistry(
        OnnxSessionFactory sessions,
        ModelsFolder models,
        IOptions<ModelsOptions> options,
        IAlertService alerts,
        IAuditLog audit,
        TimeProvider timeProvider,
        ILogger<RlPolicyRegistry> logger,
        RunningFeatureSchema? schema = null,
        IFeatureFrameSource? frames = null,
        ICnnPredictionSource? predictions = null,
        IModelRegistry? modelRegistry = null)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(options);
        _sessions = sessions;
        Folder = Path.Combine(models.Path, FolderName);
        _options = options.Value;
        _alerts = alerts;
        _audit = audit;
        _time = timeProvider;
        _logger = logger;
        _schema = schema;
        _frames = frames;
        _predictions = predictions;
        _models = modelRegistry;
    }

    public string Folder { get; }

    public IRlPolicy? Current => _current;

    public RlPolicyStatus Status
    {
        get
        {
            lock (_gate)
            {
                var current = _current;
                return new RlPolicyStatus(
                    Folder,
                    current?.Card,
                    current?.ExecutionProvider,
                    current is null ? null : _selectedBy,
                    _loaded.Keys.Order(StringComparer.Ordinal).ToArray(),
                    _refused.Values.OrderBy(r => r.At).ToArray());
            }
        }
    }

    /// <summary>The ONNX file of the active policy (the incumbent a retraining is compared with); null when none.</summary>
    public string? CurrentPath => _current?.OnnxPath;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _offers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Run(LoadFolder, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _offers.Release();
        }

        if (_options.WatchForNewModels && _pollTask is null)
        {
            _pollCts = new CancellationTokenSource();
            _pollTask = PollAsync(_pollCts.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_pollCts is { } cts)
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }

        if (_pollTask is { } poll)
        {
            try
            {
                await poll.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        _pollTask = null;
        _pollCts?.Dispose();
        _pollCts = null;
    }

    /// <summary>
    /// Offers a policy (a retrained one, or a new file): loads and checks it; it becomes the active policy when there is
    /// none, or when <paramref name="candidate"/>'s Sharpe is at least <paramref name="incumbent"/>'s (the same
    /// validation tail; no incumbent result: the candidate needs one of its own). A promoted file outside the folder is
    /// copied into it with its card. Audited (as the system), alerted.
    /// </summary>
    public async Task<PromotionResult> OfferAsync(string onnxPath, RlEvaluation? candidate, RlEvaluation? incumbent, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        await _offers.WaitAsync(cancellationToken).ConfigureAwait(false);
        PromotionResult result;
        try
        {
            result = await Task.Run(() => Offer(Path.GetFullPath(onnxPath), candidate, incumbent), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _offers.Release();
        }

        await _audit.RecordAsync(Actor.System, PromoteAuditAction, Path.GetFileName(onnxPath), Describe(incumbent), $"{(result.Promoted ? "promoted" : "not promoted")}: {result.Message}", allowed: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Makes a loaded policy the active one. Admins only (<see cref="AccessDeniedException"/>, audited as denied); audited; remembered across restarts.</summary>
    public async Task SwitchAsync(Actor actor, string policyName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(policyName);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, SwitchAuditAction, policyName, _current?.Card.Name, null, allowed: false, cancellationToken).ConfigureAwait(false);
            throw new AccessDeniedException("Only admins can switch the RL policy.");
        }

        string? before;
        lock (_gate)
        {
            if (!_loaded.TryGetValue(policyName, out var policy))
            {
                throw new KeyNotFoundException($"No loaded RL policy named '{policyName}'.");
            }

            before = _current?.Card.Name;
            Activate(policy, $"switched by {actor.Name}");
        }

        await _audit.RecordAsync(actor, SwitchAuditAction, policyName, before, policyName, allowed: true, cancellationToken).ConfigureAwait(false);
        _alerts.Raise(AlertSeverity.Info, AlertCategory, $"RL policy switched by {actor.Name}: {before ?? "(none)"} -> {policyName}.");
        RaiseChanged();
    }

    /// <summary>Offers every file of the folder that is new or changed since it was last seen.</summary>
    public async Task<IReadOnlyList<PromotionResult>> ScanAsync(CancellationToken cancellationToken)
    {
        var results = new List<PromotionResult>();

        // Files refused because this host could not build their observation are tried again once the host changes
        // (the feature schema, or the active CNN after a model switch).
        var environment = Environment();
        HashSet<string> retry;
        lock (_gate)
        {
            retry = environment != _environment ? [.. _refusedForEnvironment] : [];
            _environment = environment;
        }

        foreach (var (path, fingerprint) in ListFiles())
        {
            lock (_gate)
            {
                if (_seen.GetValueOrDefault(path) == fingerprint && !retry.Contains(path))
                {
                    continue;
                }
            }

            PolicyModelCard? card = null;
            try
            {
                card = PolicyModelCard.Read(Path.ChangeExtension(path, ".json"));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException)
            {
                // Offer refuses it with the reason below.
            }

            results.Add(await OfferAsync(path, card?.Validation, _current?.Card.Validation, cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    public IDisposable Subscribe(Action changed) => _listeners.Add(changed);

    public void Dispose()
    {
        _pollCts?.Cancel();
        _pollCts?.Dispose();
        lock (_gate)
        {
            foreach (var policy in _loaded.Values.Cast<IRlPolicy>().Concat(_retired))
            {
                policy.Dispose();
            }

            _loaded.Clear();
            _retired.Clear();
            _current = null;
        }

        _offers.Dispose();
    }

    /// <summary>
    /// The observation names this host would build for <paramref name="card"/>, or why it cannot: the same
    /// <see cref="RlObservationSpec.BuildSource"/> as the expert, then the position state, and the active CNN's hidden size.
    /// </summary>
    public string? CheckObservation(PolicyModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        IReadOnlyList<string> names;
        try
        {
            names = [.. card.Observation.BuildSource(_frames, _schema?.Current, _predictions).Names, .. TradingEnvironment.PositionStateNames];
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            return $"its observation cannot be built here: {ex.Message}";
        }

        if (!names.SequenceEqual(card.ObservationNames, StringComparer.Ordinal))
        {
            var index = Enumerable.Range(0, Math.Min(names.Count, card.ObservationNames.Count)).FirstOrDefault(i => names[i] != card.ObservationNames[i], Math.Min(names.Count, card.ObservationNames.Count));
            var ours = index < names.Count ? names[index] : "(end)";
            var theirs = index < card.ObservationNames.Count ? card.ObservationNames[index] : "(end)";
            return string.Create(CultureInfo.InvariantCulture, $"its observation ({card.ObservationNames.Count} values) differs from what this host builds ({names.Count} values): value {index} is '{theirs}' in the card, '{ours}' here.");
        }

        if (card.Observation.CnnTimeframes.Count > 0 && _models is not null)
        {
            var cnn = _models.Models.FirstOrDefault(m => m.Active && string.Equals(m.Card.Kind, ModelKinds.Cnn, StringComparison.Ordinal));
            if (cnn is null)
            {
                return "its observation needs CNN predictions, but no CNN model is active.";
            }

            var hidden = cnn.Card.HiddenOutput is { } output ? cnn.Card.Outputs.FirstOrDefault(o => o.Name == output)?.Shape.LastOrDefault() ?? 0 : 0;
            if (hidden != card.Observation.CnnHiddenSize)
            {
                return string.Create(CultureInfo.InvariantCulture, $"it was trained on a CNN hidden state of {card.Observation.CnnHiddenSize} values; the active CNN {cnn.Name} gives {hidden}.");
            }
        }

        return null;
    }

    /// <summary>What the observation check depends on: the running schema and the active CNN.</summary>
    private string Environment()
    {
        var cnn = _models?.Models.FirstOrDefault(m => m.Active && string.Equals(m.Card.Kind, ModelKinds.Cnn, StringComparison.Ordinal))?.Name;
        return $"{_schema?.Current?.Hash}|{cnn}";
    }

    private void LoadFolder()
    {
        lock (_gate)
        {
            _environment = Environment();
        }

        var files = ListFiles();
        var candidates = new List<OnnxRlPolicy>();
        foreach (var (path, fingerprint) in files)
        {
            lock (_gate)
            {
                _seen[path] = fingerprint;
            }

            if (Validate(path) is { Policy: { } policy })
            {
                candidates.Add(policy);
            }
        }

        var selection = ReadSelection();
        lock (_gate)
        {
            foreach (var policy in candidates)
            {
                _loaded[policy.Card.Name] = policy;
            }

            var chosen = selection is not null && _loaded.TryGetValue(selection.Name, out var selected)
                ? (selected, selection.By)
                : candidates
                    .OrderByDescending(p => p.Card.Validation?.Sharpe ?? double.NegativeInfinity)
                    .ThenByDescending(p => p.Card.CreatedUtc)
                    .Select(p => (p, "best validation Sharpe in the folder"))
                    .FirstOrDefault();
            if (chosen.Item1 is { } active)
            {
                _current = active;
                _selectedBy = chosen.Item2;
            }
        }

        LogLoaded(_logger, Folder, candidates.Count, _refused.Count, _current?.Card.Name ?? "(none)");
        RaiseChanged();
    }

    private PromotionResult Offer(string path, RlEvaluation? candidate, RlEvaluation? incumbent)
    {
        MarkSeen(path);
        var (policy, reason) = Validate(path);
        if (policy is null)
        {
            return new PromotionResult(false, reason!);
        }

        string message;
        bool promoted;
        lock (_gate)
        {
            var current = _current;
            var name = policy.Card.Name;
            if (current is not null && candidate is null)
            {
                promoted = false;
                message = $"{name}: no validation result to compare with the active {current.Card.Name}; kept inactive.";
            }
            else if (current is not null && incumbent is not null && candidate!.Sharpe < incumbent.Sharpe)
            {
                promoted = false;
                message = string.Create(CultureInfo.InvariantCulture, $"{name}: validation Sharpe {candidate.Sharpe:0.###} is below the active {current.Card.Name}'s {incumbent.Sharpe:0.###}; kept inactive.");
            }
            else
            {
                promoted = true;
                var against = incumbent is null ? "(incumbent not evaluated)" : incumbent.Sharpe.ToString("0.###", CultureInfo.InvariantCulture);
                message = current is null
                    ? $"{name} is the active RL policy ({policy.ExecutionProvider})."
                    : string.Create(CultureInfo.InvariantCulture, $"{name} promoted over {current.Card.Name}: validation Sharpe {candidate!.Sharpe:0.###} >= {against} ({policy.ExecutionProvider}).");
            }
        }

        if (promoted)
        {
            var inFolder = string.Equals(Path.GetDirectoryName(path), Path.GetFullPath(Folder), StringComparison.Ordinal);
            if (!inFolder)
            {
                // A retrained candidate lives outside the folder until it wins: a losing one is never picked up at restart.
                Directory.CreateDirectory(Folder);
                var target = Path.Combine(Folder, Path.GetFileName(path));
                File.Copy(path, target, overwrite: true);
                File.Copy(Path.ChangeExtension(path, ".json"), Path.ChangeExtension(target, ".json"), overwrite: true);
                MarkSeen(target);
            }
        }

        lock (_gate)
        {
            if (_loaded.Remove(policy.Card.Name, out var same))
            {
                // Replaced by a file of the same name; the expert may still hold it: disposed with the registry.
                _retired.Add(same);
            }

            _loaded[policy.Card.Name] = policy;
            if (promoted)
            {
                Activate(policy, $"promoted {_time.GetUtcNow():yyyy-MM-dd HH:mm} UTC");
            }
        }

        LogOffered(_logger, policy.Card.Name, promoted, message);
        _alerts.Raise(promoted ? AlertSeverity.Info : AlertSeverity.Warning, AlertCategory, "RL policy " + message);
        RaiseChanged();
        return new PromotionResult(promoted, message);
    }

    /// <summary>Under <see cref="_gate"/>: makes <paramref name="policy"/> current and remembers the choice.</summary>
    private void Activate(OnnxRlPolicy policy, string why)
    {
        _current = policy;
        _selectedBy = why;
        try
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, SelectionFile), JsonSerializer.Serialize(new Selection(policy.Card.Name, why), ModelCard.JsonOptions));
        }
        catch (IOException ex)
        {
            LogSelectionFailed(_logger, ex, Folder);
        }
    }

    private Selection? ReadSelection()
    {
        var path = Path.Combine(Folder, SelectionFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<Selection>(File.ReadAllText(path), ModelCard.JsonOptions) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            LogSelectionFailed(_logger, ex, Folder);
            return null;
        }
    }

    private (OnnxRlPolicy? Policy, string? Reason) Validate(string path)
    {
        var file = Path.GetFileName(path);
        OnnxRlPolicy policy;
        try
        {
            policy = OnnxRlPolicy.Load(path, _sessions);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return (null, Refuse(path, ex.Message.StartsWith(file, StringComparison.Ordinal) ? ex.Message : $"{file}: {ex.Message}"));
        }

        if (CheckObservation(policy.Card) is { } mismatch)
        {
            policy.Dispose();
            lock (_gate)
            {
                _refusedForEnvironment.Add(path);
            }

            return (null, Refuse(path, $"{file}: {mismatch}"));
        }

        lock (_gate)
        {
            _refused.Remove(path);
            _refusedForEnvironment.Remove(path);
        }

        return (policy, null);
    }

    private string Refuse(string path, string reason)
    {
        lock (_gate)
        {
            _refused[path] = new RefusedModel(Path.GetFileName(path), reason, _time.GetUtcNow());
            if (_refused.Count > MaxRefused)
            {
                _refused.Remove(_refused.MinBy(kv => kv.Value.At).Key);
            }
        }

        LogRefused(_logger, Path.GetFileName(path), reason);
        _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"RL policy refused: {reason}");
        RaiseChanged();
        return reason;
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(_options.PollIntervalSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
                await ScanAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed scan (folder gone, permissions) is logged and retried; it must not end the watch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogScanFailed(_logger, ex, Folder);
            }
        }
    }

    private List<(string Path, string Fingerprint)> ListFiles() => ModelFiles.List(Folder);

    private void MarkSeen(string path)
    {
        if (File.Exists(path))
        {
            var fingerprint = ModelFiles.Fingerprint(path);
            lock (_gate)
            {
                _seen[path] = fingerprint;
            }
        }
    }

    private static string Describe(RlEvaluation? evaluation) => evaluation is null
        ? "incumbent: none"
        : string.Create(CultureInfo.InvariantCulture, $"incumbent Sharpe {evaluation.Sharpe:0.###}, return {evaluation.TotalReturn:P2}");

    private void RaiseChanged() => _listeners.Raise(ex => LogListenerFailed(_logger, ex));

    [LoggerMessage(EventId = 6701, Level = LogLevel.Warning, Message = "RL policy {File} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 6702, Level = LogLevel.Information, Message = "RL policies in {Folder}: {Loaded} loaded, {Refused} refused; active {Active}")]
    private static partial void LogLoaded(ILogger logger, string folder, int loaded, int refused, string active);

    [LoggerMessage(EventId = 6703, Level = LogLevel.Information, Message = "RL policy {Policy} offered (promoted: {Promoted}): {Message}")]
    private static partial void LogOffered(ILogger logger, string policy, bool promoted, string message);

    [LoggerMessage(EventId = 6704, Level = LogLevel.Error, Message = "Scanning the RL policy folder {Folder} failed")]
    private static partial void LogScanFailed(ILogger logger, Exception exception, string folder);

    [LoggerMessage(EventId = 6705, Level = LogLevel.Warning, Message = "The RL policy selection in {Folder} could not be read or written")]
    private static partial void LogSelectionFailed(ILogger logger, Exception exception, string folder);

    [LoggerMessage(EventId = 6706, Level = LogLevel.Warning, Message = "An RL policy registry listener failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    private sealed record Selection(string Name, string By);
}
