using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TradingDashboard.Core.Alerts;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Reinforcement;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Core.Orchestration;

/// <summary>Which gate weighs the experts and why, for the dashboard.</summary>
/// <param name="Name">The name decisions carry ("trained:NAME" or the fallback's).</param>
/// <param name="Card">The trained gate's card; null when the fallback is in use.</param>
/// <param name="Reason">Why the fallback is in use, or how the trained gate was selected.</param>
/// <param name="Failures">Decisions where the trained gate failed or gave no usable weight and the fallback weighed them.</param>
public sealed record TrainedGateStatus(string Name, GateModelCard? Card, string? ExecutionProvider, string Reason, IReadOnlyList<RefusedModel> Refused, long Failures);

/// <summary>
/// The trained mixture-of-experts gate (docs/orchestrator.md): an ONNX network (<see cref="GateOnnxNames"/>) from the
/// models folder's <c>gate</c> subfolder, with its <see cref="GateModelCard"/> beside it and in its metadata (they must
/// agree), the SHA-256 checked, shapes checked ([N, features] in, [N, experts] out), refused on non-finite output.
/// Weigh: the context is encoded with <see cref="GateFeatureEncoder"/> for the card's experts, the network gives one
/// weight per card expert, abstainers get 0 and the rest are renormalized to sum 1; the weights follow the context's
/// expert order and experts the card does not know get 0. When no trained gate is loaded, or it fails or gives zero
/// weight to every expert that voted, the <see cref="RecentAccuracyGate"/> weighs (its name then says so).
/// At start the gate last promoted (<c>gate/active.json</c>) is loaded, else the card with the best validation
/// CombinedReturn (ties: the newest). <see cref="OfferAsync"/> promotes a retrained gate when its walk-forward
/// CombinedReturn is at least the incumbent's.
/// </summary>
public sealed partial class TrainedGate : IGate, IHostedService, IDisposable
{
    public const string FolderName = "gate";
    public const string FallbackName = RecentAccuracyGate.GateName + " (no trained gate loaded)";
    public const string AlertCategory = "models";
    public const string PromoteAuditAction = "gate.promote";
    private const string SelectionFile = "active.json";

    private readonly OnnxSessionFactory _sessions;
    private readonly RecentAccuracyGate _fallback;
    private readonly IAlertService _alerts;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _offers = new(1, 1);
    private readonly Dictionary<string, RefusedModel> _refused = new(StringComparer.Ordinal);
    private readonly List<OnnxGateModel> _retired = [];
    private volatile OnnxGateModel? _current;
    private string _reason = "no trained gate file";
    private long _failures;

    public TrainedGate(OnnxSessionFactory sessions, ModelsFolder models, RecentAccuracyGate fallback, IAlertService alerts, IAuditLog audit, TimeProvider timeProvider, ILogger<TrainedGate> logger)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(fallback);
        _sessions = sessions;
        _fallback = fallback;
        _alerts = alerts;
        _audit = audit;
        _time = timeProvider;
        _logger = logger;
        Folder = Path.Combine(models.Path, FolderName);
    }

    public string Folder { get; }

    public string Name => _current is { } gate ? "trained:" + gate.Card.Name : FallbackName;

    /// <summary>The ONNX file of the gate in use (the incumbent a retraining is compared with); null: the recent-accuracy gate.</summary>
    public string? CurrentPath => _current?.OnnxPath;

    public TrainedGateStatus Status
    {
        get
        {
            lock (_gate)
            {
                var current = _current;
                return new TrainedGateStatus(Name, current?.Card, current?.ExecutionProvider, _reason, _refused.Values.OrderBy(r => r.At).ToArray(), Interlocked.Read(ref _failures));
            }
        }
    }

    /// <summary>
    /// The gate's weights in the context's expert order: <paramref name="cardWeights"/> (one per <paramref name="cardExperts"/>)
    /// for the context's experts that voted, 0 for abstainers and experts the card does not know, renormalized to sum 1.
    /// Null when no expert that voted has a positive finite weight.
    /// </summary>
    public static double[]? MapWeights(ReadOnlySpan<float> cardWeights, IReadOnlyList<string> cardExperts, GateContext context)
    {
        ArgumentNullException.ThrowIfNull(cardExperts);
        ArgumentNullException.ThrowIfNull(context);
        var weights = new double[context.Experts.Count];
        var sum = 0.0;
        for (var i = 0; i < weights.Length; i++)
        {
            var input = context.Experts[i];
            var k = IndexOf(cardExperts, input.Expert);
            if (input.Vote.Abstained || k < 0)
            {
                continue;
            }

            var w = (double)cardWeights[k];
            if (!double.IsFinite(w) || w < 0)
            {
                return null;
            }

            weights[i] = w;
            sum += w;
        }

        if (!(sum > 0))
        {
            return null;
        }

        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= sum;
        }

        return weights;
    }

    public IReadOnlyList<double> Weigh(GateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var gate = _current;
        if (gate is null || context.Experts.All(e => e.Vote.Abstained))
        {
            return _fallback.Weigh(context);
        }

        try
        {
            if (MapWeights(gate.Run(context), gate.Card.Experts, context) is { } weights)
            {
                return weights;
            }
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or InvalidOperationException or ObjectDisposedException)
        {
            LogRunFailed(_logger, ex, gate.Card.Name);
        }

        // No usable weight (every voter unknown to the card, or a failed run): this decision is weighed by the fallback.
        Interlocked.Increment(ref _failures);
        return _fallback.Weigh(context);
    }

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
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Offers a retrained gate: loads and checks it; it replaces the gate in use when <paramref name="candidate"/>'s
    /// CombinedReturn is at least <paramref name="incumbent"/>'s (null incumbent: the recent-accuracy gate's result on the
    /// same decisions, <see cref="GateEvaluation.BaselineReturn"/>). A promoted file outside the folder is copied into it.
    /// Audited (as the system), alerted.
    /// </summary>
    public async Task<PromotionResult> OfferAsync(string onnxPath, GateEvaluation? candidate, GateEvaluation? incumbent, CancellationToken cancellationToken = default)
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

        await _audit.RecordAsync(Actor.System, PromoteAuditAction, Path.GetFileName(onnxPath), Name, $"{(result.Promoted ? "promoted" : "not promoted")}: {result.Message}", allowed: true, cancellationToken).ConfigureAwait(false);
        return result;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _current?.Dispose();
            _current = null;
            foreach (var gate in _retired)
            {
                gate.Dispose();
            }

            _retired.Clear();
        }

        _offers.Dispose();
    }

    private void LoadFolder()
    {
        var loaded = new List<OnnxGateModel>();
        if (Directory.Exists(Folder))
        {
            foreach (var path in Directory.EnumerateFiles(Folder, "*.onnx").Order(StringComparer.Ordinal))
            {
                if (TryLoad(Path.GetFullPath(path)) is { } gate)
                {
                    loaded.Add(gate);
                }
            }
        }

        var selected = ReadSelection();
        var chosen = loaded.FirstOrDefault(g => g.Card.Name == selected)
            ?? loaded.OrderByDescending(g => g.Card.Validation?.CombinedReturn ?? double.NegativeInfinity).ThenByDescending(g => g.Card.CreatedUtc).FirstOrDefault();
        lock (_gate)
        {
            foreach (var gate in loaded.Where(g => !ReferenceEquals(g, chosen)))
            {
                gate.Dispose();
            }

            _current = chosen;
            _reason = chosen is null
                ? (loaded.Count == 0 && _refused.Count > 0 ? $"every gate file was refused ({_refused.Count})" : $"no trained gate file in {Folder}")
                : chosen.Card.Name == selected ? "last promoted gate" : "best validation CombinedReturn in the folder";
        }

        LogLoaded(_logger, Folder, loaded.Count, _refused.Count, Name);
    }

    private PromotionResult Offer(string path, GateEvaluation? candidate, GateEvaluation? incumbent)
    {
        var gate = TryLoad(path);
        if (gate is null)
        {
            string reason;
            lock (_gate)
            {
                reason = _refused.GetValueOrDefault(path)?.Reason ?? "refused";
            }

            return new PromotionResult(false, reason);
        }

        var name = gate.Card.Name;
        var bar = incumbent?.CombinedReturn ?? candidate?.BaselineReturn;
        var against = incumbent is not null ? $"the trained incumbent's {F(incumbent.CombinedReturn)}" : $"the recent-accuracy gate's {F(candidate?.BaselineReturn ?? double.NaN)}";
        if (candidate is null || bar is null || !(candidate.CombinedReturn >= bar))
        {
            gate.Dispose();
            var why = candidate is null
                ? $"gate {name}: no walk-forward result; not promoted."
                : $"gate {name}: validation CombinedReturn {F(candidate.CombinedReturn)} is below {against}; not promoted.";
            LogOffered(_logger, name, false, why);
            _alerts.Raise(AlertSeverity.Warning, AlertCategory, why);
            return new PromotionResult(false, why);
        }

        var target = path;
        if (!string.Equals(Path.GetDirectoryName(path), Path.GetFullPath(Folder), StringComparison.Ordinal))
        {
            Directory.CreateDirectory(Folder);
            target = Path.Combine(Folder, Path.GetFileName(path));
            File.Copy(path, target, overwrite: true);
            File.Copy(Path.ChangeExtension(path, ".json"), Path.ChangeExtension(target, ".json"), overwrite: true);
        }

        var message = $"gate {name} promoted: validation CombinedReturn {F(candidate.CombinedReturn)} >= {against} ({gate.ExecutionProvider}).";
        lock (_gate)
        {
            if (_current is { } old)
            {
                // The orchestrator may be inside Weigh with it: disposed with the gate.
                _retired.Add(old);
            }

            _current = gate;
            _reason = $"promoted {_time.GetUtcNow():yyyy-MM-dd HH:mm} UTC";
            try
            {
                File.WriteAllText(Path.Combine(Folder, SelectionFile), JsonSerializer.Serialize(name));
            }
            catch (IOException ex)
            {
                LogSelectionFailed(_logger, ex, Folder);
            }
        }

        LogOffered(_logger, name, true, message);
        _alerts.Raise(AlertSeverity.Info, AlertCategory, message);
        return new PromotionResult(true, message);
    }

    private OnnxGateModel? TryLoad(string path)
    {
        try
        {
            var gate = OnnxGateModel.Load(path, _sessions);
            lock (_gate)
            {
                _refused.Remove(path);
            }

            return gate;
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            var file = Path.GetFileName(path);
            var reason = ex.Message.StartsWith(file, StringComparison.Ordinal) ? ex.Message : $"{file}: {ex.Message}";
            lock (_gate)
            {
                _refused[path] = new RefusedModel(file, reason, _time.GetUtcNow());
            }

            LogRefused(_logger, file, reason);
            _alerts.Raise(AlertSeverity.Warning, AlertCategory, "Gate refused: " + reason);
            return null;
        }
    }

    private string? ReadSelection()
    {
        var path = Path.Combine(Folder, SelectionFile);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<string>(File.ReadAllText(path)) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            LogSelectionFailed(_logger, ex, Folder);
            return null;
        }
    }

    private static int IndexOf(IReadOnlyList<string> list, string name)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string F(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 6721, Level = LogLevel.Warning, Message = "Gate {File} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string file, string reason);

    [LoggerMessage(EventId = 6722, Level = LogLevel.Information, Message = "Gate folder {Folder}: {Loaded} loaded, {Refused} refused; in use: {Gate}")]
    private static partial void LogLoaded(ILogger logger, string folder, int loaded, int refused, string gate);

    [LoggerMessage(EventId = 6723, Level = LogLevel.Information, Message = "Gate {Gate} offered (promoted: {Promoted}): {Message}")]
    private static partial void LogOffered(ILogger logger, string gate, bool promoted, string message);

    [LoggerMessage(EventId = 6724, Level = LogLevel.Error, Message = "Trained gate {Gate} failed; the recent-accuracy gate weighs this decision")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string gate);

    [LoggerMessage(EventId = 6725, Level = LogLevel.Warning, Message = "The gate selection in {Folder} could not be read or written")]
    private static partial void LogSelectionFailed(ILogger logger, Exception exception, string folder);
}

/// <summary>A trained gate network (ONNX) with its card; batch-1 buffers, calls serialized by a lock.</summary>
public sealed class OnnxGateModel : IDisposable
{
    private readonly Lock _gate = new();
    private readonly OnnxSession _onnx;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly string[] _inputNames = [GateOnnxNames.Features];
    private readonly string[] _outputNames = [GateOnnxNames.Weights];
    private readonly RunOptions _runOptions = new();
    private bool _disposed;

    private OnnxGateModel(OnnxSession onnx, GateModelCard card, string path)
    {
        _onnx = onnx;
        Card = card;
        OnnxPath = path;
        _input = new float[GateFeatureEncoder.Length(card.Experts.Count)];
        _output = new float[card.Experts.Count];
        _inputs = [OrtValue.CreateTensorValueFromMemory(_input, [1, _input.Length])];
        _outputs = [OrtValue.CreateTensorValueFromMemory(_output, [1, _output.Length])];
    }

    public GateModelCard Card { get; }

    public string OnnxPath { get; }

    public string ExecutionProvider => _onnx.ExecutionProvider;

    /// <summary>Opens and checks a gate (card beside and in the metadata, SHA-256, shapes, finite output on a neutral context); throws <see cref="InvalidDataException"/>.</summary>
    public static OnnxGateModel Load(string onnxPath, OnnxSessionFactory sessions)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        var path = Path.GetFullPath(onnxPath);
        var file = Path.GetFileName(path);
        var cardPath = Path.ChangeExtension(path, ".json");
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{file}: the file does not exist.");
        }

        if (!File.Exists(cardPath))
        {
            throw new InvalidDataException($"{file}: no gate card {Path.GetFileName(cardPath)} beside it.");
        }

        var card = GateModelCard.Read(cardPath);
        OnnxRlPolicy.CheckSha(path, file, card.OnnxSha256);
        OnnxSession onnx;
        try
        {
            onnx = sessions.Open(path);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or IOException)
        {
            throw new InvalidDataException($"{file}: fails to load: {ex.Message}", ex);
        }

        try
        {
            if (!onnx.Session.ModelMetadata.CustomMetadataMap.TryGetValue(GateModelCard.MetadataKey, out var json))
            {
                throw new InvalidDataException($"{file}: the model's metadata has no {GateModelCard.MetadataKey}.");
            }

            var embedded = GateModelCard.FromJson(json, $"{file} metadata");
            if (!string.Equals((embedded with { OnnxSha256 = null }).ToJson(), (card with { OnnxSha256 = null }).ToJson(), StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{file}: the card beside the file and the card in its metadata differ.");
            }

            Check(onnx.Session.InputMetadata, file, GateOnnxNames.Features, GateFeatureEncoder.Length(card.Experts.Count));
            Check(onnx.Session.OutputMetadata, file, GateOnnxNames.Weights, card.Experts.Count);
            var gate = new OnnxGateModel(onnx, card, path);
            var probe = new GateContext("probe", DateTimeOffset.UnixEpoch, VolatilityRegime.Unknown, []);
            var weights = gate.Run(probe);
            foreach (var w in weights)
            {
                if (!float.IsFinite(w))
                {
                    gate.Dispose();
                    throw new InvalidDataException($"{file}: non-finite weights on a context with no votes.");
                }
            }

            return gate;
        }
        catch (InvalidDataException)
        {
            onnx.Dispose();
            throw;
        }
    }

    /// <summary>The network's weights, one per card expert (before masking), for <paramref name="context"/>.</summary>
    public float[] Run(GateContext context)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            GateFeatureEncoder.Encode(context, Card.Experts, _input);
            _onnx.Session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);
            return [.. _output];
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _inputs[0].Dispose();
            _outputs[0].Dispose();
            _runOptions.Dispose();
            _onnx.Dispose();
        }
    }

    private static void Check(IReadOnlyDictionary<string, NodeMetadata> metadata, string file, string name, int width)
    {
        if (metadata.Count != 1 || !metadata.TryGetValue(name, out var meta))
        {
            throw new InvalidDataException($"{file}: expected one tensor '{name}', found {string.Join(", ", metadata.Keys)}.");
        }

        var dims = meta.Dimensions;
        if (meta.ElementDataType != TensorElementType.Float || dims.Length != 2 || dims[0] > 1 || (dims[1] > 0 && dims[1] != width))
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{file}: '{name}' is {meta.ElementDataType} [{string.Join(", ", dims)}]; expected float [N, {width}]."));
        }
    }
}
