using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Models;

/// <summary>The folder the model registry scans (resolved once from Trading:Models:Directory).</summary>
public sealed record ModelsFolder(string Path);

/// <summary>Which slot a model competes in: the kind, plus the timeframe for single-head models ("cnn", "fasttree-1m").</summary>
public static class ModelSlots
{
    public static string For(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return card.Timeframes.Count == 1 ? $"{card.Kind}-{card.Timeframes[0]}" : card.Kind;
    }
}

/// <summary>
/// The model registry (see <see cref="IModelRegistry"/>). At start it loads every <c>*.onnx</c> of the models folder that
/// has its card (<c>NAME.json</c>) beside it and passes validation, and makes the best gate score of each slot active.
/// A model is refused, with the reason kept in <see cref="Refused"/>, logged and alerted, when its card is missing or
/// invalid, its feature schema hash differs from the running schema, its SHA-256 differs from the card's, it fails to load
/// or its shapes differ from the card and schema, or it gives non-finite outputs on the validation frames (recent frames
/// of the processor, else deterministic synthetic frames inside the clip range). While running, new or changed files are
/// offered through the same gate (polled every PollIntervalSeconds) and promoted only when their gate score is at least
/// the active model's. Models that are not active stay loaded as fallbacks: when the active one fails at run time the
/// previously active one of its slot takes over.
/// </summary>
public sealed partial class ModelRegistry : IModelRegistry, IHostedService, IDisposable
{
    public const string AlertCategory = "models";
    public const string SwitchAuditAction = "model.switch";
    private const int MaxRefused = 200;

    private readonly IPivotModelFactory _factory;
    private readonly RunningFeatureSchema _schema;
    private readonly IDataProcessorState _processor;
    private readonly ModelsOptions _options;
    private readonly string _folder;
    private readonly IAlertService _alerts;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelRegistry> _logger;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _activeBySlot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _previousBySlot = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RefusedModel> _refused = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    private readonly List<IPivotModel> _retired = [];
    private readonly ConcurrentDictionary<string, LatencyRing> _latency = new(StringComparer.Ordinal);
    private readonly Queue<FeatureFrame> _recentFrames = new();
    private readonly SemaphoreSlim _offerLock = new(1, 1);
    private volatile Action[] _listeners = [];
    private volatile IPivotModel[] _active = [];
    private IDisposable? _frameSubscription;
    private CancellationTokenSource? _pollCts;
    private Task? _pollTask;

    public ModelRegistry(
        IPivotModelFactory factory,
        RunningFeatureSchema schema,
        IDataProcessorState processor,
        ModelsFolder folder,
        IOptions<ModelsOptions> options,
        IAlertService alerts,
        IAuditLog audit,
        TimeProvider timeProvider,
        ILogger<ModelRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(options);
        _factory = factory;
        _schema = schema;
        _processor = processor;
        _folder = folder.Path;
        _options = options.Value;
        _alerts = alerts;
        _audit = audit;
        _time = timeProvider;
        _logger = logger;
    }

    /// <summary>The folder scanned for models.</summary>
    public string Folder => _folder;

    public IReadOnlyList<RegisteredModel> Models
    {
        get
        {
            lock (_gate)
            {
                return _entries.Values
                    .OrderBy(e => e.Slot, StringComparer.Ordinal).ThenBy(e => e.Name, StringComparer.Ordinal)
                    .Select(e => new RegisteredModel(
                        e.Name,
                        e.Slot,
                        e.Model.Card,
                        e.Model.ExecutionProvider,
                        _activeBySlot.GetValueOrDefault(e.Slot) == e.Name,
                        _latency.TryGetValue(e.Name, out var ring) ? ring.Summary() : LatencySummary.None,
                        e.LoadedAt,
                        e.Reason))
                    .ToList();
            }
        }
    }

    public IReadOnlyList<RefusedModel> Refused
    {
        get
        {
            lock (_gate)
            {
                return _refused.Values.OrderBy(r => r.At).ToList();
            }
        }
    }

    public IReadOnlyList<IPivotModel> Active => _active;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _frameSubscription ??= _processor.SubscribeFrames(KeepForValidation);
        await _offerLock.WaitAsync(cancellationToken);
        try
        {
            await Task.Run(LoadFolder, cancellationToken);
        }
        finally
        {
            _offerLock.Release();
        }

        if (_options.WatchForNewModels && _pollTask is null)
        {
            _pollCts = new CancellationTokenSource();
            _pollTask = PollAsync(_pollCts.Token);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _frameSubscription?.Dispose();
        _frameSubscription = null;
        if (_pollCts is { } cts)
        {
            await cts.CancelAsync();
        }

        if (_pollTask is { } poll)
        {
            try
            {
                await poll.WaitAsync(cancellationToken);
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

    /// <summary>Offers every model file that is new or changed since it was last seen; returns the outcome of each.</summary>
    public async Task<IReadOnlyList<PromotionResult>> ScanAsync(CancellationToken cancellationToken)
    {
        var results = new List<PromotionResult>();
        foreach (var (path, fingerprint) in ListFiles())
        {
            lock (_gate)
            {
                if (_seen.GetValueOrDefault(path) == fingerprint)
                {
                    continue;
                }
            }

            results.Add(await OfferAsync(path, cancellationToken));
        }

        return results;
    }

    public async Task<PromotionResult> OfferAsync(string onnxPath, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        var path = Path.GetFullPath(onnxPath);
        await _offerLock.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(
                () =>
                {
                    MarkSeen(path);
                    var candidate = Validate(path);
                    return candidate.Model is null ? Refuse(path, candidate.Reason!, alert: true) : Register(path, candidate.Model, announce: true);
                },
                cancellationToken);
        }
        finally
        {
            _offerLock.Release();
        }
    }

    public async Task SwitchAsync(Actor actor, string modelName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        if (!actor.IsAdmin)
        {
            await _audit.RecordAsync(actor, SwitchAuditAction, modelName, null, null, allowed: false, cancellationToken);
            throw new AccessDeniedException("Only admins can switch models.");
        }

        string slot;
        string? before;
        lock (_gate)
        {
            if (!_entries.TryGetValue(modelName, out var entry))
            {
                throw new KeyNotFoundException($"No registered model named '{modelName}'.");
            }

            slot = entry.Slot;
            before = _activeBySlot.GetValueOrDefault(slot);
            if (before != modelName)
            {
                if (before is not null)
                {
                    Previous(slot).Add(before);
                    _entries[before].Reason = $"switched off by {actor.Name}";
                }

                _activeBySlot[slot] = modelName;
                entry.Failed = false;
                entry.Reason = null;
                RefreshActive();
            }
        }

        await _audit.RecordAsync(actor, SwitchAuditAction, slot, before, modelName, allowed: true, cancellationToken);
        LogSwitched(_logger, actor.Name, slot, before ?? "(none)", modelName);
        RaiseChanged();
    }

    public void ReportFailure(string modelName, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string message;
        lock (_gate)
        {
            if (!_entries.TryGetValue(modelName, out var entry) || entry.Failed)
            {
                return;
            }

            entry.Failed = true;
            entry.Reason = $"failed at run time: {error.Message}";
            if (_activeBySlot.GetValueOrDefault(entry.Slot) != modelName)
            {
                message = $"Model {modelName} failed at run time ({error.Message}); it was not the active model of slot {entry.Slot}.";
            }
            else
            {
                _activeBySlot.Remove(entry.Slot);
                var previous = Previous(entry.Slot);
                string? next = null;
                while (previous.Count > 0 && next is null)
                {
                    var candidate = previous[^1];
                    previous.RemoveAt(previous.Count - 1);
                    if (_entries.TryGetValue(candidate, out var e) && !e.Failed && candidate != modelName)
                    {
                        next = candidate;
                    }
                }

                if (next is not null)
                {
                    _activeBySlot[entry.Slot] = next;
                    _entries[next].Reason = null;
                    message = $"Model {modelName} failed at run time ({error.Message}); {next} takes over slot {entry.Slot}.";
                }
                else
                {
                    message = $"Model {modelName} failed at run time ({error.Message}); no other model is left for slot {entry.Slot}.";
                }

                RefreshActive();
            }
        }

        LogFailed(_logger, error, modelName, message);
        _alerts.Raise(AlertSeverity.Error, AlertCategory, message);
        RaiseChanged();
    }

    public void RecordLatency(string modelName, double microseconds)
    {
        if (!double.IsFinite(microseconds) || microseconds < 0)
        {
            return;
        }

        _latency.GetOrAdd(modelName, _ => new LatencyRing(_options.LatencyWindow)).Add(microseconds);
    }

    public IDisposable Subscribe(Action changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_gate)
        {
            _listeners = [.. _listeners, changed];
        }

        return new Unsubscriber(this, changed);
    }

    public void Dispose()
    {
        _frameSubscription?.Dispose();
        _pollCts?.Cancel();
        _pollCts?.Dispose();
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Model.Dispose();
            }

            foreach (var model in _retired)
            {
                model.Dispose();
            }

            _entries.Clear();
            _retired.Clear();
            _activeBySlot.Clear();
            _active = [];
        }

        _offerLock.Dispose();
    }

    /// <summary>The frames a new model is validated on: recent frames of the running schema, else synthetic ones.</summary>
    public IReadOnlyList<FeatureFrame> ValidationFrames(FeatureSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        lock (_recentFrames)
        {
            var recent = _recentFrames.Where(f => f.SchemaHash == schema.Hash).ToList();
            if (recent.Count > 0)
            {
                return recent;
            }
        }

        if (_processor.LatestFrame is { } latest && latest.SchemaHash == schema.Hash)
        {
            return [latest];
        }

        return SyntheticFrames(schema, _options.ValidationFrames);
    }

    /// <summary>
    /// Deterministic frames of the schema's shape: the first all zeros (what a fully masked frame holds), the others
    /// uniform inside ±ClipValue (the range every normalized feature is clipped to), all marked valid.
    /// </summary>
    public static IReadOnlyList<FeatureFrame> SyntheticFrames(FeatureSchema schema, int count)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var frames = new List<FeatureFrame>(count);
        var clip = (float)schema.Settings.ClipValue;
#pragma warning disable CA5394 // Not security: a seeded generator makes the validation frames the same on every run.
        var random = new Random(20_240_601);
        for (var i = 0; i < count; i++)
        {
            var values = new float[schema.Length];
            if (i > 0)
            {
                for (var v = 0; v < values.Length; v++)
                {
                    values[v] = (float)(((random.NextDouble() * 2) - 1) * clip);
                }
            }

            var mask = new byte[schema.Length];
            Array.Fill(mask, (byte)1);
            var anchor = schema.Settings.AnchorTimeframe;
            frames.Add(new FeatureFrame(
                schema.Symbols[0], i * anchor.DurationMs(), anchor, schema.Hash, values, mask,
                Enumerable.Repeat(true, schema.Symbols.Count * schema.Timeframes.Count).ToList()));
        }
#pragma warning restore CA5394

        return frames;
    }

    private void LoadFolder()
    {
        var candidates = new List<(string Path, IPivotModel Model)>();
        var files = ListFiles();
        if (files.Count == 0)
        {
            LogNoModels(_logger, _folder);
        }

        foreach (var (path, fingerprint) in files)
        {
            lock (_gate)
            {
                _seen[path] = fingerprint;
            }

            var candidate = Validate(path);
            if (candidate.Model is null)
            {
                Refuse(path, candidate.Reason!, alert: true);
            }
            else
            {
                candidates.Add((path, candidate.Model));
            }
        }

        // In ascending gate score per slot, so the best of each slot ends up active and the next best is its fallback.
        foreach (var (path, model) in candidates.OrderBy(c => c.Model.Card.GateScore).ThenBy(c => c.Path, StringComparer.Ordinal))
        {
            Register(path, model, announce: false);
        }

        LogLoaded(_logger, _folder, candidates.Count, Refused.Count, string.Join(", ", Active.Select(m => $"{m.Card.Name} ({m.ExecutionProvider})")));
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(_options.PollIntervalSeconds);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, cancellationToken);
                await ScanAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed scan (folder gone, permissions) is logged and retried; it must not end the watch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogScanFailed(_logger, ex, _folder);
            }
        }
    }

    private List<(string Path, string Fingerprint)> ListFiles() => ModelFiles.List(_folder);

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

    /// <summary>Every check but the gate; returns the loaded model or why it was refused.</summary>
    private (IPivotModel? Model, string? Reason) Validate(string path)
    {
        var name = Path.GetFileNameWithoutExtension(path);
        var file = Path.GetFileName(path);
        if (!File.Exists(path))
        {
            return (null, $"{file}: the file does not exist.");
        }

        var cardPath = Path.ChangeExtension(path, ".json");
        if (!File.Exists(cardPath))
        {
            return (null, $"{file}: no model card {name}.json beside it.");
        }

        ModelCard card;
        try
        {
            card = ModelCard.Read(cardPath);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return (null, $"{file}: {ex.Message}");
        }

        // The registry name is the file name (what predictions and the dashboard show).
        card = card.Name == name ? card : card with { Name = name };
        var schema = _schema.Current;
        if (schema is null)
        {
            return (null, $"{file}: feature frames are disabled (Trading:Processor:Features:Enabled), so there is no feature schema to serve it on.");
        }

        if (!string.Equals(card.FeatureSchemaHash, schema.Hash, StringComparison.OrdinalIgnoreCase))
        {
            return (null,
                $"{file}: trained on feature schema {Short(card.FeatureSchemaHash)}, but the running feature schema is {Short(schema.Hash)} "
                + "(features, window, timeframes or symbols differ): retrain it on the current settings or restore the settings it was trained with.");
        }

        if (!double.IsFinite(card.GateScore))
        {
            return (null, $"{file}: the card's gateScore is not a number.");
        }

        if (card.OnnxSha256 is { } expected)
        {
            string actual;
            try
            {
                using var stream = File.OpenRead(path);
                actual = Convert.ToHexStringLower(SHA256.HashData(stream));
            }
            catch (IOException ex)
            {
                return (null, $"{file}: cannot be read: {ex.Message}");
            }

            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                return (null, $"{file}: its SHA-256 {Short(actual)} differs from the card's onnxSha256 {Short(expected)}: the file is incomplete or not the one the card describes.");
            }
        }
        else
        {
            LogNoHash(_logger, file);
        }

        IPivotModel model;
        try
        {
            model = _factory.Load(path, card);
        }
        catch (InvalidDataException ex)
        {
            return (null, $"{file}: {ex.Message}");
        }
#pragma warning disable CA1031 // Whatever ONNX Runtime throws for a bad file, the file is refused with its message.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return (null, $"{file}: fails to load: {ex.Message}");
        }

        var frames = ValidationFrames(schema);
        try
        {
            foreach (var frame in frames)
            {
                _ = model.Predict(frame);
            }

            var batch = new float[frames.Count * schema.Length];
            for (var i = 0; i < frames.Count; i++)
            {
                frames[i].Values.CopyTo(batch, i * schema.Length);
            }

            foreach (var timeframe in card.Timeframes)
            {
                _ = model.PredictProbabilities(batch, frames.Count, timeframe);
            }
        }
        catch (Exception ex) when (ex is ModelRuntimeException or ArgumentException or InvalidOperationException)
        {
            model.Dispose();
            return (null, $"{file}: failed validation on {frames.Count} sample frames: {ex.Message}");
        }

        return (model, null);
    }

    private PromotionResult Refuse(string path, string reason, bool alert)
    {
        var file = Path.GetFileName(path);
        lock (_gate)
        {
            _refused[path] = new RefusedModel(file, reason, _time.GetUtcNow());
            if (_refused.Count > MaxRefused)
            {
                _refused.Remove(_refused.MinBy(kv => kv.Value.At).Key);
            }
        }

        LogRefused(_logger, file, reason);
        if (alert)
        {
            _alerts.Raise(AlertSeverity.Warning, AlertCategory, $"Model refused: {reason}");
        }

        RaiseChanged();
        return new PromotionResult(false, reason);
    }

    /// <summary>The gate: the model becomes the active one of its slot when its gate score is at least the active one's.</summary>
    private PromotionResult Register(string path, IPivotModel model, bool announce)
    {
        var card = model.Card;
        var slot = ModelSlots.For(card);
        string message;
        bool promoted;
        lock (_gate)
        {
            _refused.Remove(path);
            var activeName = _activeBySlot.GetValueOrDefault(slot);
            var active = activeName is null ? null : _entries[activeName];
            promoted = active is null || card.GateScore >= active.Model.Card.GateScore;
            var score = F(card.GateScore);
            if (!promoted && activeName == card.Name)
            {
                // A worse file under the active model's own name: keep serving the loaded one.
                model.Dispose();
                message = $"{card.Name}: the new file's gate score {score} is below the loaded one's {F(active!.Model.Card.GateScore)}; the loaded model stays active.";
                _refused[path] = new RefusedModel(Path.GetFileName(path), message, _time.GetUtcNow());
            }
            else
            {
                message = Admit(model, slot, promoted, activeName, active, score);
            }
        }

        LogRegistered(_logger, card.Name, slot, model.ExecutionProvider, message);
        if (announce)
        {
            _alerts.Raise(AlertSeverity.Info, AlertCategory, message);
        }

        RaiseChanged();
        return new PromotionResult(promoted, message);
    }

    /// <summary>Under <see cref="_gate"/>: adds the model (replacing a loaded one of the same name) and applies the gate's decision.</summary>
    private string Admit(IPivotModel model, string slot, bool promoted, string? activeName, Entry? active, string score)
    {
        var card = model.Card;
        if (_entries.Remove(card.Name, out var same))
        {
            // Replaced by the new file of the same name; disposed with the registry (a call in flight may still hold it).
            _retired.Add(same.Model);
        }

        var entry = new Entry(card.Name, slot, model, _time.GetUtcNow());
        _entries[card.Name] = entry;
        string message;
        if (promoted)
        {
            if (activeName is not null && activeName != card.Name)
            {
                Previous(slot).Add(activeName);
                _entries[activeName].Reason = $"superseded by {card.Name} (gate score {score} >= {F(active!.Model.Card.GateScore)})";
            }

            _activeBySlot[slot] = card.Name;
            message = active is null || activeName == card.Name
                ? $"{card.Name} is the active {slot} model (gate score {score}, {model.ExecutionProvider})."
                : $"{card.Name} promoted over {activeName} in slot {slot}: gate score {score} >= {F(active.Model.Card.GateScore)} ({model.ExecutionProvider}).";
        }
        else
        {
            entry.Reason = $"not promoted: gate score {score} is below the active {activeName}'s {F(active!.Model.Card.GateScore)}";
            message = $"{card.Name} validated but {entry.Reason}; kept as an inactive model.";
        }

        RefreshActive();
        return message;
    }

    private void KeepForValidation(FeatureFrame frame)
    {
        lock (_recentFrames)
        {
            _recentFrames.Enqueue(frame);
            while (_recentFrames.Count > _options.ValidationFrames)
            {
                _recentFrames.Dequeue();
            }
        }
    }

    private List<string> Previous(string slot)
    {
        if (!_previousBySlot.TryGetValue(slot, out var list))
        {
            list = [];
            _previousBySlot[slot] = list;
        }

        return list;
    }

    /// <summary>Under <see cref="_gate"/>: the snapshot the inference stage reads without locking.</summary>
    private void RefreshActive() =>
        _active = _activeBySlot.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => _entries[kv.Value].Model).ToArray();

    private void RaiseChanged()
    {
        foreach (var listener in _listeners)
        {
            try
            {
                listener();
            }
#pragma warning disable CA1031 // A faulty listener (a closed dashboard circuit) must not break the registry.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogListenerFailed(_logger, ex);
            }
        }
    }

    private static string Short(string hash) => hash.Length > 12 ? hash[..12] : hash;

    private static string F(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 6201, Level = LogLevel.Warning, Message = "Model {File} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 6202, Level = LogLevel.Information, Message = "Model {Model} registered in slot {Slot} on {Provider}: {Message}")]
    private static partial void LogRegistered(ILogger logger, string model, string slot, string provider, string message);

    [LoggerMessage(EventId = 6203, Level = LogLevel.Error, Message = "Model {Model} failed at run time: {Message}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string model, string message);

    [LoggerMessage(EventId = 6204, Level = LogLevel.Warning, Message = "Model switch by {Actor}: slot {Slot} from {Before} to {After}")]
    private static partial void LogSwitched(ILogger logger, string actor, string slot, string before, string after);

    [LoggerMessage(EventId = 6205, Level = LogLevel.Information, Message = "Models folder {Folder}: {Loaded} models loaded, {Refused} refused; active: {Active}")]
    private static partial void LogLoaded(ILogger logger, string folder, int loaded, int refused, string active);

    [LoggerMessage(EventId = 6206, Level = LogLevel.Warning, Message = "No model files in {Folder}: no model loaded")]
    private static partial void LogNoModels(ILogger logger, string folder);

    [LoggerMessage(EventId = 6207, Level = LogLevel.Warning, Message = "Model {File} has no onnxSha256 in its card: its integrity is not checked")]
    private static partial void LogNoHash(ILogger logger, string file);

    [LoggerMessage(EventId = 6208, Level = LogLevel.Error, Message = "Scanning the models folder {Folder} failed")]
    private static partial void LogScanFailed(ILogger logger, Exception exception, string folder);

    [LoggerMessage(EventId = 6209, Level = LogLevel.Warning, Message = "A model registry listener failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception exception);

    private sealed class Entry(string name, string slot, IPivotModel model, DateTimeOffset loadedAt)
    {
        public string Name { get; } = name;

        public string Slot { get; } = slot;

        public IPivotModel Model { get; } = model;

        public DateTimeOffset LoadedAt { get; } = loadedAt;

        public bool Failed { get; set; }

        public string? Reason { get; set; }
    }

    private sealed class Unsubscriber(ModelRegistry owner, Action listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._listeners = owner._listeners.Where(l => l != listener).ToArray();
            }
        }
    }
}

/// <summary>The last N latencies of one model; p50/p99 by nearest rank over them.</summary>
internal sealed class LatencyRing(int capacity)
{
    private readonly Lock _gate = new();
    private readonly double[] _values = new double[capacity];
    private int _count;
    private int _next;
    private long _calls;

    public void Add(double microseconds)
    {
        lock (_gate)
        {
            _values[_next] = microseconds;
            _next = (_next + 1) % _values.Length;
            _count = Math.Min(_count + 1, _values.Length);
            _calls++;
        }
    }

    public LatencySummary Summary()
    {
        double[] sorted;
        long calls;
        lock (_gate)
        {
            sorted = _values.AsSpan(0, _count).ToArray();
            calls = _calls;
        }

        if (sorted.Length == 0)
        {
            return LatencySummary.None;
        }

        Array.Sort(sorted);
        return new LatencySummary(calls, Percentile(sorted, 0.50), Percentile(sorted, 0.99));
    }

    internal static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
