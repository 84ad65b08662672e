using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Pipeline;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Models;

/// <summary>Counts of the outcome tracker since the host started (or the tracker was built).</summary>
/// <param name="Resolved">Predictions matched with their actual class.</param>
/// <param name="Expired">Predictions whose label never became known: the processed data moved a whole label span past them and the series still had a gap.</param>
/// <param name="Overflowed">Predictions dropped because more than MaxPending were waiting.</param>
/// <param name="Ignored">Predictions not tracked: unknown model (no card), a symbol other than the primary, or an event the queue could not take.</param>
public sealed record PredictionOutcomeCounters(long Resolved, long Expired, long Overflowed, long Ignored);

/// <summary>
/// Matches live predictions with what happened, using the one labelling rule (<see cref="PivotLabeler"/>) and the label
/// settings of each model's card: every available timeframe head of a prediction becomes a pending item; it resolves
/// once the series holds every bar of its horizon plus the confirmation margin and the data processor has processed
/// those bars (so every pivot they confirm has been published). Rolling precision and recall per model, timeframe and
/// class are kept over the last <see cref="PredictionOutcomeOptions.RollingWindow"/> outcomes.
/// </summary>
/// <remarks>
/// Not thread-safe for writes: the "prediction-outcomes" process calls the mutating methods from its one loop. Readers
/// (<see cref="Recent"/>, <see cref="Scores"/>, <see cref="Pending"/>) read immutable snapshots from any thread.
/// For a timeframe longer than the anchor (1h, 1d) the model predicts the same horizon at every anchor close; only the
/// last prediction before the horizon starts is scored (one outcome per horizon), so a slow timeframe is not counted
/// sixty times per bar.
/// </remarks>
public sealed partial class PredictionOutcomeTracker : IPredictionOutcomes
{
    /// <summary>Resolved outcomes kept in memory for <see cref="Recent"/>.</summary>
    public const int RecentCapacity = 1000;

    /// <summary>Bars kept behind the newest one even when nothing waits for them (a prediction may arrive after the next bar).</summary>
    private const int SlackBars = 64;

    private const int MaxCoverageBarsPerSeries = 200_000;
    private const int MaxPivotsPerSeries = 100_000;

    private static readonly PivotOrder PivotComparer = new();

    private readonly SqlitePredictionOutcomeStore _store;
    private readonly PredictionOutcomeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Dictionary<PendingKey, PendingPrediction> _pending = [];
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), SortedSet<long>> _coverage = [];
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), SortedSet<PivotPoint>> _pivots = [];
    private readonly Dictionary<(string Model, Timeframe Timeframe), Queue<PredictionOutcome>> _windows = [];
    private readonly Queue<PredictionOutcome> _recent = new();
    private readonly ChangeListeners _listeners = new();
    private volatile IReadOnlyList<PredictionOutcome> _recentSnapshot = [];
    private volatile IReadOnlyList<RollingScore> _scores = [];
    private volatile PredictionOutcomeCounters _counters = new(0, 0, 0, 0);
    private volatile int _pendingCount;
    private bool _dirty;

    public PredictionOutcomeTracker(SqlitePredictionOutcomeStore store, PredictionOutcomeOptions options, TimeProvider timeProvider, ILogger<PredictionOutcomeTracker> logger)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public int Pending => _pendingCount;

    public IReadOnlyList<RollingScore> Scores => _scores;

    public PredictionOutcomeCounters Counters => _counters;

    /// <summary>Resolved outcomes, newest last.</summary>
    public IReadOnlyList<PredictionOutcome> Recent(int limit = 200)
    {
        var recent = _recentSnapshot;
        return limit >= recent.Count ? recent : recent.Skip(recent.Count - Math.Max(0, limit)).ToList();
    }

    public IDisposable Subscribe(Action changed) => _listeners.Add(changed);

    /// <summary>Loads pending predictions and the recent resolved outcomes from SQLite, and deletes outcomes older than KeepResolvedDays.</summary>
    public void Load()
    {
        var now = _timeProvider.GetUtcNow();
        var deleted = _store.DeleteFinishedBefore((now - TimeSpan.FromDays(_options.KeepResolvedDays)).ToUnixTimeMilliseconds());
        _pending.Clear();
        foreach (var pending in _store.LoadPending())
        {
            _pending[PendingKey.Of(pending)] = pending;
        }

        _windows.Clear();
        _recent.Clear();
        var resolved = _store.LoadResolved(_options.RollingWindow);
        foreach (var outcome in resolved)
        {
            AddOutcome(outcome);
        }

        LogLoaded(_logger, _pending.Count, resolved.Count, deleted);
        _dirty = true;
        Publish();
    }

    /// <summary>
    /// Adds every available timeframe head of <paramref name="prediction"/> as a pending item labelled with
    /// <paramref name="labels"/> (the model card's settings); returns how many were added or replaced.
    /// </summary>
    public int AddPrediction(CNNPrediction prediction, PivotLabelSettings labels)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(labels);
        var added = 0;
        foreach (var head in prediction.Timeframes)
        {
            if (!head.Available)
            {
                continue;
            }

            var predicted = head.Predicted;
            var pending = new PendingPrediction(
                prediction.ModelName, prediction.Symbol, head.Timeframe, prediction.AsOfMs, predicted, head.Probability(predicted), head.Confidence, labels);
            if (!_store.UpsertPending(pending))
            {
                // Already resolved (a replayed history) or a newer prediction holds the horizon.
                continue;
            }

            _pending[PendingKey.Of(pending)] = pending;
            added++;
        }

        if (_pending.Count > _options.MaxPending)
        {
            var overflow = _pending.Values.OrderBy(p => p.AsOfMs).ThenBy(p => p.ModelName, StringComparer.Ordinal).Take(_pending.Count - _options.MaxPending).ToList();
            foreach (var pending in overflow)
            {
                _pending.Remove(PendingKey.Of(pending));
            }

            _store.Drop(overflow, SqlitePredictionOutcomeStore.StatusOverflow, _timeProvider.GetUtcNow().ToUnixTimeMilliseconds());
            var c = _counters;
            _counters = c with { Overflowed = c.Overflowed + overflow.Count };
            LogOverflow(_logger, overflow.Count, _options.MaxPending);
        }

        _dirty |= added > 0;
        _pendingCount = _pending.Count;
        return added;
    }

    /// <summary>Records a confirmed pivot (any level; duplicates are ignored).</summary>
    public void AddPivot(PivotPoint pivot)
    {
        ArgumentNullException.ThrowIfNull(pivot);
        var key = (pivot.Symbol, pivot.Timeframe);
        if (!_pivots.TryGetValue(key, out var set))
        {
            _pivots[key] = set = new SortedSet<PivotPoint>(PivotComparer);
        }

        set.Add(pivot);
        if (set.Count > MaxPivotsPerSeries)
        {
            set.Remove(set.Min!);
        }
    }

    /// <summary>Records that the closed bar of a series opening at <paramref name="openTimeMs"/> exists.</summary>
    public void AddClosedBar(string symbol, Timeframe timeframe, long openTimeMs)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        if (timeframe.BucketStart(openTimeMs) != openTimeMs)
        {
            return;
        }

        var key = (symbol, timeframe);
        if (!_coverage.TryGetValue(key, out var set))
        {
            _coverage[key] = set = [];
        }

        set.Add(openTimeMs);
        if (set.Count > MaxCoverageBarsPerSeries)
        {
            set.Remove(set.Min);
        }
    }

    /// <summary>Counts a prediction (or event) that was not tracked.</summary>
    public void CountIgnored(int count = 1)
    {
        var c = _counters;
        _counters = c with { Ignored = c.Ignored + count };
    }

    /// <summary>The series pending items wait on, with the earliest bar each needs (to seed bars and pivots after a restart).</summary>
    public IReadOnlyList<(string Symbol, Timeframe Timeframe, long FromMs)> PendingSeries() =>
        _pending.Values
            .GroupBy(p => (p.Symbol, p.Timeframe))
            .Select(g => (g.Key.Symbol, g.Key.Timeframe, g.Min(p => p.HorizonStartMs)))
            .ToList();

    /// <summary>
    /// Resolves every pending item whose label is known, expires items the processed data has moved a whole label span
    /// past without a complete series, persists both, prunes bars and pivots nobody waits for, and notifies subscribers
    /// when anything changed. <paramref name="processedThrough"/> gives, per series, the open time of the newest bar the
    /// data processor has handled (null: none), so a label is never read before the pivots of its bars are published.
    /// Returns how many items resolved.
    /// </summary>
    public int Advance(Func<string, Timeframe, long?> processedThrough)
    {
        ArgumentNullException.ThrowIfNull(processedThrough);
        var nowMs = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var watermarks = new Dictionary<(string, Timeframe), long?>();
        var resolved = new List<(PendingPrediction Pending, PredictionOutcome Outcome)>();
        var expired = new List<PendingPrediction>();
        foreach (var pending in _pending.Values)
        {
            var series = (pending.Symbol, pending.Timeframe);
            if (!watermarks.TryGetValue(series, out var watermark))
            {
                watermarks[series] = watermark = processedThrough(pending.Symbol, pending.Timeframe);
            }

            var required = pending.RequiredLastOpenMs;
            if (watermark is null || watermark.Value < required)
            {
                continue;
            }

            var label = LabelOf(pending, required);
            if (label != PivotLabeler.Unknown)
            {
                resolved.Add((pending, pending.Resolve((PivotClass)label, nowMs)));
            }
            else if (watermark.Value >= required + (required - pending.HorizonStartMs) + pending.Timeframe.DurationMs())
            {
                expired.Add(pending);
            }
        }

        if (resolved.Count > 0)
        {
            resolved.Sort((a, b) => a.Pending.AsOfMs != b.Pending.AsOfMs
                ? a.Pending.AsOfMs.CompareTo(b.Pending.AsOfMs)
                : string.CompareOrdinal(a.Pending.ModelName, b.Pending.ModelName) is var byName && byName != 0 ? byName
                : a.Pending.Timeframe.CompareTo(b.Pending.Timeframe));
            _store.Resolve(resolved);
            foreach (var (pending, outcome) in resolved)
            {
                _pending.Remove(PendingKey.Of(pending));
                AddOutcome(outcome);
            }

            var c = _counters;
            _counters = c with { Resolved = c.Resolved + resolved.Count };
            _dirty = true;
        }

        if (expired.Count > 0)
        {
            _store.Drop(expired, SqlitePredictionOutcomeStore.StatusExpired, nowMs);
            foreach (var pending in expired)
            {
                _pending.Remove(PendingKey.Of(pending));
            }

            var c = _counters;
            _counters = c with { Expired = c.Expired + expired.Count };
            LogExpired(_logger, expired.Count);
            _dirty = true;
        }

        Prune();
        _pendingCount = _pending.Count;
        Publish();
        return resolved.Count;
    }

    private sbyte LabelOf(PendingPrediction pending, long requiredLastOpenMs)
    {
        var series = (pending.Symbol, pending.Timeframe);
        var start = pending.HorizonStartMs;
        if (!_coverage.TryGetValue(series, out var bars) || bars.Count == 0 || bars.Max < requiredLastOpenMs || bars.Min > start)
        {
            return PivotLabeler.Unknown;
        }

        var coverage = new SeriesCoverage(pending.Timeframe, [.. bars.GetViewBetween(start, requiredLastOpenMs)]);
        var (_, end) = PivotLabeler.Horizon(pending.AsOfMs, pending.Timeframe, pending.Labels);
        IReadOnlyList<PivotPoint> pivots = _pivots.TryGetValue(series, out var set) && set.Count > 0
            ? [.. set.GetViewBetween(PivotOrder.LowerBound(start), PivotOrder.UpperBound(end - 1))]
            : [];
        return PivotLabeler.Label(pending.AsOfMs, pending.Timeframe, pivots, coverage, pending.Labels);
    }

    private void AddOutcome(PredictionOutcome outcome)
    {
        var key = (outcome.ModelName, outcome.Timeframe);
        if (!_windows.TryGetValue(key, out var window))
        {
            _windows[key] = window = new Queue<PredictionOutcome>();
        }

        window.Enqueue(outcome);
        while (window.Count > _options.RollingWindow)
        {
            window.Dequeue();
        }

        _recent.Enqueue(outcome);
        while (_recent.Count > RecentCapacity)
        {
            _recent.Dequeue();
        }
    }

    /// <summary>Drops bars and pivots older than anything a pending item (or a prediction still to come) can need.</summary>
    private void Prune()
    {
        var earliest = new Dictionary<(string, Timeframe), long>();
        foreach (var pending in _pending.Values)
        {
            var key = (pending.Symbol, pending.Timeframe);
            var start = pending.HorizonStartMs;
            earliest[key] = earliest.TryGetValue(key, out var current) ? Math.Min(current, start) : start;
        }

        foreach (var (key, bars) in _coverage)
        {
            if (bars.Count == 0)
            {
                continue;
            }

            var cutoff = bars.Max - (SlackBars * key.Timeframe.DurationMs());
            if (earliest.TryGetValue(key, out var start))
            {
                cutoff = Math.Min(cutoff, start);
            }

            while (bars.Count > 0 && bars.Min < cutoff)
            {
                bars.Remove(bars.Min);
            }

            if (_pivots.TryGetValue(key, out var pivots))
            {
                while (pivots.Count > 0 && pivots.Min!.OpenTimeMs < cutoff)
                {
                    pivots.Remove(pivots.Min);
                }
            }
        }
    }

    private void Publish()
    {
        _pendingCount = _pending.Count;
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        _recentSnapshot = [.. _recent];
        _scores = ComputeScores(_windows);
        _listeners.Raise(ex => LogListenerFailed(_logger, ex));
    }

    /// <summary>Precision = TP / predicted (null when the class was never predicted), recall = TP / actual (null when it never happened).</summary>
    internal static List<RollingScore> ComputeScores(IReadOnlyDictionary<(string Model, Timeframe Timeframe), Queue<PredictionOutcome>> windows)
    {
        var scores = new List<RollingScore>();
        foreach (var ((model, timeframe), window) in windows.OrderBy(w => w.Key.Model, StringComparer.Ordinal).ThenBy(w => w.Key.Timeframe))
        {
            foreach (var pivotClass in PivotClassExtensions.All)
            {
                int predicted = 0, actual = 0, hits = 0;
                foreach (var outcome in window)
                {
                    var p = outcome.Predicted == pivotClass;
                    var a = outcome.Actual == pivotClass;
                    predicted += p ? 1 : 0;
                    actual += a ? 1 : 0;
                    hits += p && a ? 1 : 0;
                }

                scores.Add(new RollingScore(
                    model,
                    timeframe,
                    pivotClass,
                    predicted == 0 ? null : (double)hits / predicted,
                    actual == 0 ? null : (double)hits / actual,
                    actual,
                    predicted,
                    window.Count));
            }
        }

        return scores;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prediction outcomes loaded: {Pending} pending, {Resolved} resolved; {Deleted} old rows deleted")]
    private static partial void LogLoaded(ILogger logger, int pending, int resolved, int deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} pending predictions dropped: more than {MaxPending} waiting")]
    private static partial void LogOverflow(ILogger logger, int count, int maxPending);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} pending predictions expired: their series has a gap the data moved past")]
    private static partial void LogExpired(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A prediction outcome subscriber failed")]
    private static partial void LogListenerFailed(ILogger logger, Exception error);

    private readonly record struct PendingKey(string Model, string Symbol, Timeframe Timeframe, long HorizonStartMs)
    {
        public static PendingKey Of(PendingPrediction p) => new(p.ModelName, p.Symbol, p.Timeframe, p.HorizonStartMs);
    }

    /// <summary>Pivots of one series ordered by bar open time, then level, then type (the key of a confirmed pivot).</summary>
    private sealed class PivotOrder : IComparer<PivotPoint>
    {
        public static PivotPoint LowerBound(long openTimeMs) => new(string.Empty, default, int.MinValue, PivotType.Low, 0, openTimeMs, 0);

        public static PivotPoint UpperBound(long openTimeMs) => new(string.Empty, default, int.MaxValue, PivotType.High, 0, openTimeMs, 0);

        public int Compare(PivotPoint? x, PivotPoint? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null)
            {
                return -1;
            }

            if (y is null)
            {
                return 1;
            }

            var c = x.OpenTimeMs.CompareTo(y.OpenTimeMs);
            if (c != 0)
            {
                return c;
            }

            c = x.Level.CompareTo(y.Level);
            return c != 0 ? c : x.Type.CompareTo(y.Type);
        }
    }
}
