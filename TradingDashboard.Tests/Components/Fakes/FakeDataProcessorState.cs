using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>
/// A data processor state held in memory. A series is set as its whole history (<see cref="SetSeries"/>); GetSeries
/// returns its last <c>limit</c> bars with the same indicator rows, like the real state. <see cref="Publish"/> notifies
/// subscribers as the stage does after each batch.
/// </summary>
public sealed class FakeDataProcessorState : IDataProcessorState
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), SeriesView> _series = [];
    private readonly List<Action<DataProcessorStatus>> _subscribers = [];

    public DataProcessorStatus Current { get; private set; } = DataProcessorStatus.Empty;

    public FeatureSchema? Schema { get; set; }

    public FeatureFrame? LatestFrame { get; set; }

    private readonly List<Action<FeatureFrame>> _frameSubscribers = [];
    private readonly List<Action<PivotPoint>> _pivotSubscribers = [];

    public IDisposable SubscribeFrames(Action<FeatureFrame> handler)
    {
        lock (_gate)
        {
            _frameSubscribers.Add(handler);
        }

        return new Unsubscriber(() =>
        {
            lock (_gate)
            {
                _frameSubscribers.Remove(handler);
            }
        });
    }

    public IDisposable SubscribePivots(Action<PivotPoint> handler)
    {
        lock (_gate)
        {
            _pivotSubscribers.Add(handler);
        }

        return new Unsubscriber(() =>
        {
            lock (_gate)
            {
                _pivotSubscribers.Remove(handler);
            }
        });
    }

    /// <summary>Sets the latest frame and hands it to frame subscribers, as the stage does.</summary>
    public void RaiseFrame(FeatureFrame frame)
    {
        LatestFrame = frame;
        Action<FeatureFrame>[] handlers;
        lock (_gate)
        {
            handlers = [.. _frameSubscribers];
        }

        foreach (var handler in handlers)
        {
            handler(frame);
        }
    }

    /// <summary>Hands a confirmed pivot to pivot subscribers.</summary>
    public void RaisePivot(PivotPoint pivot)
    {
        Action<PivotPoint>[] handlers;
        lock (_gate)
        {
            handlers = [.. _pivotSubscribers];
        }

        foreach (var handler in handlers)
        {
            handler(pivot);
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                dispose();
            }
        }
    }

    public List<(string Symbol, Timeframe Timeframe, int Limit)> Reads { get; } = [];

    public int SubscriberCount
    {
        get
        {
            lock (_gate)
            {
                return _subscribers.Count;
            }
        }
    }

    /// <summary>Sets (or replaces) the full history of a series.</summary>
    public void SetSeries(SeriesView view)
    {
        lock (_gate)
        {
            _series[(view.Symbol, view.Timeframe)] = view;
        }
    }

    public SeriesView? Series(string symbol, Timeframe timeframe)
    {
        lock (_gate)
        {
            return _series.GetValueOrDefault((symbol, timeframe));
        }
    }

    public SeriesView? GetSeries(string symbol, Timeframe timeframe, int limit = 500)
    {
        lock (_gate)
        {
            Reads.Add((symbol, timeframe, limit));
            if (!_series.TryGetValue((symbol, timeframe), out var view))
            {
                return null;
            }

            var skip = Math.Max(0, view.Bars.Count - limit);
            return view with
            {
                Bars = view.Bars.Skip(skip).ToList(),
                Indicators = view.Indicators.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double?>)kv.Value.Skip(skip).ToList(), StringComparer.Ordinal),
            };
        }
    }

    public IReadOnlyList<PivotPoint> GetPivots(string symbol, Timeframe timeframe, int? level = null, int limit = 1000)
    {
        var view = Series(symbol, timeframe);
        return view is null ? [] : view.Pivots.Where(p => level is null || p.Level == level).TakeLast(limit).ToList();
    }

    public IDisposable Subscribe(Action<DataProcessorStatus> handler)
    {
        lock (_gate)
        {
            _subscribers.Add(handler);
        }

        return new Unsubscriber(() =>
        {
            lock (_gate)
            {
                _subscribers.Remove(handler);
            }
        });
    }

    /// <summary>Sets the status without notifying (the state before a page opens).</summary>
    public void Set(DataProcessorStatus status) => Current = status;

    public void Publish(DataProcessorStatus status)
    {
        Action<DataProcessorStatus>[] subscribers;
        lock (_gate)
        {
            Current = status;
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(status);
        }
    }
}
