using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Features;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Pivots;
using TradingDashboard.Core.Processing;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Models.Learning;

/// <summary>Predictions handed to subscribers as the inference stage would.</summary>
internal sealed class FakePredictionFeed : IPredictionFeed
{
    private readonly Lock _gate = new();
    private readonly List<CNNPrediction> _recent = [];
    private Action<CNNPrediction>[] _handlers = [];

    public int SubscriberCount => Volatile.Read(ref _handlers).Length;

    public IReadOnlyList<CNNPrediction> Latest
    {
        get
        {
            lock (_gate)
            {
                return _recent.GroupBy(p => p.ModelName).Select(g => g.Last()).ToList();
            }
        }
    }

    public IReadOnlyList<CNNPrediction> Recent(int limit = 200)
    {
        lock (_gate)
        {
            return _recent.TakeLast(limit).ToList();
        }
    }

    public IDisposable Subscribe(Action<CNNPrediction> handler)
    {
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Disposer(() =>
        {
            lock (_gate)
            {
                _handlers = _handlers.Where(h => h != handler).ToArray();
            }
        });
    }

    public void Publish(CNNPrediction prediction)
    {
        lock (_gate)
        {
            _recent.Add(prediction);
        }

        foreach (var handler in Volatile.Read(ref _handlers))
        {
            handler(prediction);
        }
    }
}

/// <summary>A registry holding cards only: records offers and answers with <see cref="OfferResult"/>.</summary>
internal sealed class FakeModelRegistry : IModelRegistry
{
    private readonly Lock _gate = new();
    private readonly List<string> _offers = [];

    public List<RegisteredModel> Registered { get; } = [];

    public Func<string, PromotionResult> OfferResult { get; set; } = path => new PromotionResult(true, $"gate score ok for {Path.GetFileName(path)}");

    public IReadOnlyList<string> Offers
    {
        get
        {
            lock (_gate)
            {
                return [.. _offers];
            }
        }
    }

    public IReadOnlyList<RegisteredModel> Models => Registered;

    public IReadOnlyList<RefusedModel> Refused => [];

    public IReadOnlyList<IPivotModel> Active => [];

    public Task<PromotionResult> OfferAsync(string onnxPath, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _offers.Add(onnxPath);
        }

        return Task.FromResult(OfferResult(onnxPath));
    }

    public Task SwitchAsync(Actor actor, string modelName, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ReportFailure(string modelName, Exception error)
    {
    }

    public void RecordLatency(string modelName, double microseconds)
    {
    }

    public IDisposable Subscribe(Action changed) => new Disposer(() => { });

    public void Add(string name, PivotLabelSettings labels) =>
        Registered.Add(new RegisteredModel(name, ModelKinds.Cnn, Card(name, labels), "CPU", true, LatencySummary.None, DateTimeOffset.UnixEpoch));

    public static ModelCard Card(string name, PivotLabelSettings labels) => new()
    {
        Name = name,
        Kind = ModelKinds.Cnn,
        Version = "test",
        CreatedUtc = DateTimeOffset.UnixEpoch,
        TrainerVersion = "test",
        FeatureSchemaHash = new string('0', 64),
        Opset = 17,
        InputKind = InputKinds.Frame,
        Inputs = [],
        Outputs = [],
        Timeframes = [],
        ProbabilityOutputs = new Dictionary<string, string>(),
        Labels = labels,
        Data = new TrainingDataInfo(["ETHUSDT"], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, string.Empty, 0, 0, 0),
        GateScore = 0,
    };
}

/// <summary>Records retrain requests; <see cref="Behaviour"/> decides the result (or throws); <see cref="Gate"/> can hold a run open.</summary>
internal sealed class FakeModelTrainer : IModelTrainer
{
    private readonly Lock _gate = new();
    private readonly List<RetrainRequest> _requests = [];

    public Func<RetrainRequest, RetrainResult> Behaviour { get; set; } =
        r => new RetrainResult(true, Path.Combine(r.OutputDirectory, r.ModelName + ".onnx"), "run-1", "completed");

    public TaskCompletionSource? Gate { get; set; }

    public IReadOnlyList<RetrainRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    public async Task<RetrainResult> RetrainAsync(RetrainRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _requests.Add(request);
        }

        if (Gate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return Behaviour(request);
    }
}

/// <summary>
/// The processor state as the learning services see it: a schema, a status (per-series last processed bar) and pivot
/// subscribers whose number tests can wait on.
/// </summary>
internal sealed class LearningProcessorState : IDataProcessorState
{
    private readonly Lock _gate = new();
    private Action<PivotPoint>[] _pivotHandlers = [];
    private Action<DataProcessorStatus>[] _statusHandlers = [];

    public DataProcessorStatus Current { get; private set; } = DataProcessorStatus.Empty;

    public FeatureSchema? Schema { get; set; }

    public FeatureFrame? LatestFrame => null;

    public List<PivotPoint> StoredPivots { get; } = [];

    public int PivotSubscriberCount => Volatile.Read(ref _pivotHandlers).Length;

    public int StatusSubscriberCount => Volatile.Read(ref _statusHandlers).Length;

    public SeriesView? GetSeries(string symbol, Timeframe timeframe, int limit = 500) => null;

    public IReadOnlyList<PivotPoint> GetPivots(string symbol, Timeframe timeframe, int? level = null, int limit = 1000) =>
        StoredPivots.Where(p => p.Symbol == symbol && p.Timeframe == timeframe && (level is null || p.Level == level)).TakeLast(limit).ToList();

    public IDisposable SubscribeFrames(Action<FeatureFrame> handler) => new Disposer(() => { });

    public IDisposable SubscribePivots(Action<PivotPoint> handler)
    {
        lock (_gate)
        {
            _pivotHandlers = [.. _pivotHandlers, handler];
        }

        return new Disposer(() =>
        {
            lock (_gate)
            {
                _pivotHandlers = _pivotHandlers.Where(h => h != handler).ToArray();
            }
        });
    }

    public IDisposable Subscribe(Action<DataProcessorStatus> handler)
    {
        lock (_gate)
        {
            _statusHandlers = [.. _statusHandlers, handler];
        }

        return new Disposer(() =>
        {
            lock (_gate)
            {
                _statusHandlers = _statusHandlers.Where(h => h != handler).ToArray();
            }
        });
    }

    public void RaisePivot(PivotPoint pivot)
    {
        foreach (var handler in Volatile.Read(ref _pivotHandlers))
        {
            handler(pivot);
        }
    }

    /// <summary>Publishes a status saying the processor has handled bars up to <paramref name="lastOpenTimeMs"/> of each series.</summary>
    public void PublishProcessed(params (string Symbol, Timeframe Timeframe, long LastOpenTimeMs)[] series)
    {
        var status = DataProcessorStatus.Empty with
        {
            Series = series.Select(s => new SeriesStatus(s.Symbol, s.Timeframe, 1, s.LastOpenTimeMs, [])).ToList(),
        };
        Current = status;
        foreach (var handler in Volatile.Read(ref _statusHandlers))
        {
            handler(status);
        }
    }
}

internal sealed class Disposer(Action dispose) : IDisposable
{
    private Action? _dispose = dispose;

    public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
}
