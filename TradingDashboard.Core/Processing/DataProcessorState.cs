using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Pivots;

namespace TradingDashboard.Core.Processing;

/// <summary>
/// What the dashboard (and the API) read of the data processor: counters, per-series status, indicator series, pivots,
/// trend per level, and the latest feature frame. Components read snapshots and subscribe; they never touch the stage.
/// </summary>
public interface IDataProcessorState
{
    /// <summary>The latest status (counters, frame counts, series).</summary>
    DataProcessorStatus Current { get; }

    /// <summary>Calls <paramref name="handler"/> with each new status until disposed. Handlers must be quick.</summary>
    IDisposable Subscribe(Action<DataProcessorStatus> handler);

    /// <summary>The last <paramref name="limit"/> closed bars of a series with indicator columns, pivots, per-level trend/support/resistance/bounds and the forming bar's values; null for an unknown series or before the stage started.</summary>
    SeriesView? GetSeries(string symbol, Timeframe timeframe, int limit = 500);

    /// <summary>Recent pivots of a series (all levels, or one), oldest confirmed first.</summary>
    IReadOnlyList<PivotPoint> GetPivots(string symbol, Timeframe timeframe, int? level = null, int limit = 1000);

    /// <summary>Null when feature frames are disabled or the stage has not started.</summary>
    FeatureSchema? Schema { get; }

    FeatureFrame? LatestFrame { get; }

    /// <summary>
    /// Calls <paramref name="handler"/> with every feature frame built, on the processor's thread, until disposed. Handlers
    /// must be quick and must not block (write into your own bounded channel).
    /// </summary>
    IDisposable SubscribeFrames(Action<FeatureFrame> handler);

    /// <summary>Calls <paramref name="handler"/> with every newly confirmed pivot, on the processor's thread, until disposed. Same rules as frames.</summary>
    IDisposable SubscribePivots(Action<PivotPoint> handler);
}

/// <summary>Status of the data processor.</summary>
/// <param name="BarsRejected">Closed candles refused (unknown series, duplicate or out of order, bad numbers).</param>
/// <param name="BarsDropped">Closed candles lost because the stage's queue was full.</param>
public sealed record DataProcessorStatus(
    long BarsProcessed,
    long BarsRejected,
    long BarsDropped,
    long PivotsConfirmed,
    FrameCounts Frames,
    string? SchemaHash,
    IReadOnlyList<SeriesStatus> Series,
    DateTimeOffset? UpdatedAt)
{
    public static DataProcessorStatus Empty { get; } = new(0, 0, 0, 0, FrameCounts.Zero, null, [], null);
}

/// <summary>One symbol and timeframe: bars processed, last bar, and the trend of pivot levels 1..5.</summary>
public sealed record SeriesStatus(string Symbol, Timeframe Timeframe, long Bars, long? LastOpenTimeMs, IReadOnlyList<Trend> TrendByLevel);

/// <summary>The shared, thread-safe implementation of <see cref="IDataProcessorState"/>, fed by <see cref="DataProcessorService"/>.</summary>
public sealed class DataProcessorState : IDataProcessorState
{
    private readonly Lock _gate = new();
    private readonly List<Action<DataProcessorStatus>> _handlers = [];
    private readonly Listeners<FeatureFrame> _frameListeners = new();
    private readonly Listeners<PivotPoint> _pivotListeners = new();
    private volatile DataProcessorStatus _current = DataProcessorStatus.Empty;
    private volatile IReadOnlyDictionary<(string, Timeframe), SeriesHistory> _series = new Dictionary<(string, Timeframe), SeriesHistory>();
    private volatile FeatureSchema? _schema;
    private volatile FeatureFrame? _latestFrame;

    public DataProcessorStatus Current => _current;

    public FeatureSchema? Schema => _schema;

    public FeatureFrame? LatestFrame => _latestFrame;

    public IDisposable Subscribe(Action<DataProcessorStatus> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers.Add(handler);
        }

        return new Subscription(this, handler);
    }

    public SeriesView? GetSeries(string symbol, Timeframe timeframe, int limit = 500) =>
        _series.TryGetValue((symbol, timeframe), out var history) ? history.GetView(limit) : null;

    public IReadOnlyList<PivotPoint> GetPivots(string symbol, Timeframe timeframe, int? level = null, int limit = 1000) =>
        _series.TryGetValue((symbol, timeframe), out var history) ? history.GetPivots(level, limit) : [];

    /// <summary>Points the state at a (new) processor's series; called by the stage when it starts.</summary>
    internal void Attach(DataProcessor processor)
    {
        _series = processor.Series.Where(s => s.History is not null).ToDictionary(s => (s.Symbol, s.Timeframe), s => s.History!);
        _schema = processor.Schema;
        _latestFrame = null;
    }

    public IDisposable SubscribeFrames(Action<FeatureFrame> handler) => _frameListeners.Add(handler);

    public IDisposable SubscribePivots(Action<PivotPoint> handler) => _pivotListeners.Add(handler);

    internal void SetLatestFrame(FeatureFrame frame)
    {
        _latestFrame = frame;
        _frameListeners.Raise(frame);
    }

    internal void PublishPivot(PivotPoint pivot) => _pivotListeners.Raise(pivot);

    internal void Publish(DataProcessorStatus status)
    {
        _current = status;
        Action<DataProcessorStatus>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler(status);
        }
    }

    private void Unsubscribe(Action<DataProcessorStatus> handler)
    {
        lock (_gate)
        {
            _handlers.Remove(handler);
        }
    }

    private sealed class Subscription(DataProcessorState owner, Action<DataProcessorStatus> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unsubscribe(handler);
            }
        }
    }

    /// <summary>A copy-on-write listener list: raising never takes a lock.</summary>
    private sealed class Listeners<T>
    {
        private readonly Lock _gate = new();
        private volatile Action<T>[] _handlers = [];

        public IDisposable Add(Action<T> handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            lock (_gate)
            {
                _handlers = [.. _handlers, handler];
            }

            return new Removal(this, handler);
        }

        public void Raise(T item)
        {
            foreach (var handler in _handlers)
            {
                handler(item);
            }
        }

        private void Remove(Action<T> handler)
        {
            lock (_gate)
            {
                _handlers = _handlers.Where(h => h != handler).ToArray();
            }
        }

        private sealed class Removal(Listeners<T> owner, Action<T> handler) : IDisposable
        {
            private int _disposed;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    owner.Remove(handler);
                }
            }
        }
    }
}
