using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Processing;

namespace TradingDashboard.Core.Reinforcement;

/// <summary>
/// The live <see cref="IFeatureFrameSource"/>: keeps the last <c>capacity</c> feature frames per symbol as the data
/// processor builds them (<see cref="IDataProcessorState.SubscribeFrames"/>), looked up by their exact time, as
/// <see cref="FeatureFrameTable"/> does offline. A frame that is not built yet when the expert decides reads as missing
/// (the observation's zeros with frame.present = 0, what training saw for a missing frame).
/// </summary>
public sealed class LiveFeatureFrames : IFeatureFrameSource, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, BoundedByTime<FeatureFrame>> _bySymbol = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly IDisposable _subscription;

    public LiveFeatureFrames(IDataProcessorState processor, int capacity = 512)
    {
        ArgumentNullException.ThrowIfNull(processor);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _subscription = processor.SubscribeFrames(Add);
    }

    /// <summary>Frames held, all symbols.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _bySymbol.Values.Sum(b => b.Count);
            }
        }
    }

    public void Add(FeatureFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        lock (_gate)
        {
            if (!_bySymbol.TryGetValue(frame.Symbol, out var frames))
            {
                frames = new BoundedByTime<FeatureFrame>(_capacity);
                _bySymbol[frame.Symbol] = frames;
            }

            frames.Add(frame.AsOfMs, frame);
        }
    }

    public FeatureFrame? FrameAt(string symbol, long asOfMs)
    {
        lock (_gate)
        {
            return _bySymbol.TryGetValue(symbol, out var frames) ? frames.Get(asOfMs) : null;
        }
    }

    public void Dispose() => _subscription.Dispose();
}

/// <summary>
/// The live <see cref="ICnnPredictionSource"/>: keeps the last <c>capacity</c> predictions per symbol of the model that
/// is active in the registry's "cnn" slot (from <see cref="IPredictionFeed"/>), looked up by the frame time they were
/// made on. Predictions of other models (FastTree, inactive CNNs) are ignored; after a switch of the CNN only the new
/// model's predictions are returned.
/// </summary>
public sealed class LiveCnnPredictions : ICnnPredictionSource, IDisposable
{
    public const string Slot = ModelKinds.Cnn;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, BoundedByTime<CNNPrediction>> _bySymbol = new(StringComparer.Ordinal);
    private readonly IModelRegistry? _registry;
    private readonly int _capacity;
    private readonly IDisposable _subscription;

    public LiveCnnPredictions(IPredictionFeed feed, IModelRegistry? registry, int capacity = 512)
    {
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _registry = registry;
        _capacity = capacity;
        _subscription = feed.Subscribe(Add);
    }

    /// <summary>The active CNN's name (null: none, or no registry).</summary>
    public string? ActiveModel => _registry?.Models.FirstOrDefault(m => m.Active && string.Equals(m.Slot, Slot, StringComparison.Ordinal))?.Name;

    public void Add(CNNPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!string.Equals(prediction.ModelName, ActiveModel, StringComparison.Ordinal))
        {
            return;
        }

        lock (_gate)
        {
            if (!_bySymbol.TryGetValue(prediction.Symbol, out var predictions))
            {
                predictions = new BoundedByTime<CNNPrediction>(_capacity);
                _bySymbol[prediction.Symbol] = predictions;
            }

            predictions.Add(prediction.AsOfMs, prediction);
        }
    }

    public CNNPrediction? PredictionAt(string symbol, long asOfMs)
    {
        CNNPrediction? found;
        lock (_gate)
        {
            found = _bySymbol.TryGetValue(symbol, out var predictions) ? predictions.Get(asOfMs) : null;
        }

        return found is not null && string.Equals(found.ModelName, ActiveModel, StringComparison.Ordinal) ? found : null;
    }

    public void Dispose() => _subscription.Dispose();
}

/// <summary>Items by time, the oldest forgotten beyond a capacity (a later item of the same time replaces the earlier one). Not thread-safe.</summary>
internal sealed class BoundedByTime<T>(int capacity)
    where T : class
{
    private readonly Dictionary<long, T> _items = [];
    private readonly Queue<long> _order = new();

    public int Count => _items.Count;

    public void Add(long time, T item)
    {
        if (_items.TryAdd(time, item))
        {
            _order.Enqueue(time);
            while (_order.Count > capacity)
            {
                _items.Remove(_order.Dequeue());
            }
        }
        else
        {
            _items[time] = item;
        }
    }

    public T? Get(long time) => _items.GetValueOrDefault(time);
}
