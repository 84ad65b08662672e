using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Models;
using TradingDashboard.Core.Security;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>Subscribers of a fake service: add, remove on dispose, count, and call them all.</summary>
public sealed class FakeSubscribers<T>
{
    private readonly Lock _gate = new();
    private readonly List<Action<T>> _handlers = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _handlers.Count;
            }
        }
    }

    public IDisposable Add(Action<T> handler)
    {
        lock (_gate)
        {
            _handlers.Add(handler);
        }

        return new Unsubscriber(() =>
        {
            lock (_gate)
            {
                _handlers.Remove(handler);
            }
        });
    }

    public void Raise(T value)
    {
        Action<T>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler(value);
        }
    }
}

/// <summary>
/// Registered and refused models held in memory. Like the real registry, <see cref="SwitchAsync"/> requires an admin actor
/// (throws <see cref="AccessDeniedException"/> otherwise), makes the model the only active one of its slot, records the
/// call and notifies subscribers.
/// </summary>
public sealed class FakeModelRegistry : IModelRegistry
{
    private readonly FakeSubscribers<bool> _subscribers = new();

    public List<RegisteredModel> Registered { get; } = [];

    public List<RefusedModel> RefusedFiles { get; } = [];

    public List<(Actor Actor, string Model)> Switches { get; } = [];

    /// <summary>Set to make every switch fail (after the role check), as a broken model file would.</summary>
    public string? FailWith { get; set; }

    public int SubscriberCount => _subscribers.Count;

    public IReadOnlyList<RegisteredModel> Models => [.. Registered];

    public IReadOnlyList<RefusedModel> Refused => [.. RefusedFiles];

    public IReadOnlyList<IPivotModel> Active => [];

    public Task<PromotionResult> OfferAsync(string onnxPath, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The dashboard never offers models.");

    public Task SwitchAsync(Actor actor, string modelName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Switches.Add((actor, modelName));
        if (!actor.IsAdmin)
        {
            throw new AccessDeniedException($"{actor.Name} may not switch models: admins only.");
        }

        if (FailWith is { } failure)
        {
            throw new InvalidOperationException(failure);
        }

        var target = Registered.FirstOrDefault(m => m.Name == modelName) ?? throw new KeyNotFoundException($"No model named {modelName}.");
        for (var i = 0; i < Registered.Count; i++)
        {
            if (Registered[i].Slot == target.Slot)
            {
                Registered[i] = Registered[i] with { Active = Registered[i].Name == modelName };
            }
        }

        Changed();
        return Task.CompletedTask;
    }

    public void ReportFailure(string modelName, Exception error) => throw new NotSupportedException();

    public void RecordLatency(string modelName, double microseconds) => throw new NotSupportedException();

    public IDisposable Subscribe(Action changed) => _subscribers.Add(_ => changed());

    public void Changed() => _subscribers.Raise(true);
}

/// <summary>Predictions held in memory; <see cref="Publish"/> makes a prediction the newest of its model and calls subscribers.</summary>
public sealed class FakePredictionFeed : IPredictionFeed
{
    private readonly Lock _gate = new();
    private readonly List<CNNPrediction> _recent = [];
    private readonly FakeSubscribers<CNNPrediction> _subscribers = new();

    public int SubscriberCount => _subscribers.Count;

    public IReadOnlyList<CNNPrediction> Latest
    {
        get
        {
            lock (_gate)
            {
                return _recent.GroupBy(p => (p.ModelName, p.Symbol)).Select(g => g.Last()).ToList();
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

    public IDisposable Subscribe(Action<CNNPrediction> handler) => _subscribers.Add(handler);

    /// <summary>Adds without notifying (the state before the page opens).</summary>
    public void Seed(CNNPrediction prediction)
    {
        lock (_gate)
        {
            _recent.Add(prediction);
        }
    }

    public void Publish(CNNPrediction prediction)
    {
        Seed(prediction);
        _subscribers.Raise(prediction);
    }
}

/// <summary>Outcomes, scores and the pending count held in memory; <see cref="Changed"/> calls subscribers.</summary>
public sealed class FakePredictionOutcomes : IPredictionOutcomes
{
    private readonly FakeSubscribers<bool> _subscribers = new();

    public List<PredictionOutcome> Outcomes { get; } = [];

    public List<RollingScore> RollingScores { get; } = [];

    public int PendingCount { get; set; }

    public int SubscriberCount => _subscribers.Count;

    public IReadOnlyList<RollingScore> Scores => [.. RollingScores];

    public int Pending => PendingCount;

    public IReadOnlyList<PredictionOutcome> Recent(int limit = 200) => Outcomes.TakeLast(limit).ToList();

    public IDisposable Subscribe(Action changed) => _subscribers.Add(_ => changed());

    public void Changed() => _subscribers.Raise(true);
}

/// <summary>Training runs held in memory.</summary>
public sealed class FakeTrainingRuns : ITrainingRuns
{
    public List<TrainingRunRecord> Runs { get; } = [];

    public IReadOnlyList<TrainingRunRecord> List() => [.. Runs];

    public TrainingRunRecord? Get(string runId) => Runs.FirstOrDefault(r => r.RunId == runId);
}

/// <summary>
/// Continual learning held in memory. Like the real one, <see cref="RequestRetrainAsync"/> requires an admin actor
/// (throws <see cref="AccessDeniedException"/> otherwise) and records every request; an accepted request marks it running.
/// </summary>
public sealed class FakeContinualLearning : IContinualLearning
{
    private readonly FakeSubscribers<bool> _subscribers = new();

    public ContinualLearningStatus Status { get; set; } = new(true, false, 0, 500, null, null, null);

    public List<Actor> Requests { get; } = [];

    public int SubscriberCount => _subscribers.Count;

    public Task<string> RequestRetrainAsync(Actor actor, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Requests.Add(actor);
        if (!actor.IsAdmin)
        {
            throw new AccessDeniedException($"{actor.Name} may not start a retraining: admins only.");
        }

        Status = Status with { Running = true };
        Changed();
        return Task.FromResult("Retraining started.");
    }

    public IDisposable Subscribe(Action changed) => _subscribers.Add(_ => changed());

    public void Changed() => _subscribers.Raise(true);
}

/// <summary>Model cards and predictions for the model page tests.</summary>
public static class ModelFixtures
{
    public const string SchemaHash = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";

    public static readonly DateTimeOffset Created = new(2024, 4, 30, 18, 0, 0, TimeSpan.Zero);

    public static ModelCard Card(
        string name,
        string kind = ModelKinds.Cnn,
        string version = "20240430T1800Z",
        double gate = 0.41,
        ModelMetrics? validation = null,
        ModelMetrics? test = null,
        DateTimeOffset? created = null,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        int testSamples = 1000) => new()
        {
            Name = name,
            Kind = kind,
            Version = version,
            CreatedUtc = created ?? Created,
            TrainerVersion = "test",
            FeatureSchemaHash = SchemaHash,
            Opset = 17,
            InputKind = InputKinds.Frame,
            Inputs = [],
            Outputs = [],
            Timeframes = [],
            ProbabilityOutputs = new Dictionary<string, string>(),
            Labels = PivotLabelSettings.Default,
            Data = new TrainingDataInfo(["ETHUSDT", "BTCUSDT"], from ?? new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), to ?? new DateTimeOffset(2024, 3, 31, 0, 0, 0, TimeSpan.Zero), "sha", 8000, 1000, testSamples),
            Validation = validation,
            Test = test,
            GateScore = gate,
        };

    public static RegisteredModel Model(ModelCard card, string slot, bool active, string provider = "CPU", LatencySummary? latency = null) =>
        new(card.Name, slot, card, provider, active, latency ?? LatencySummary.None, Created);

    public static TimeframePivotPrediction Head(Timeframe timeframe, float none, float high, float low, float confidence) =>
        new(timeframe, true, none, high, low, confidence);

    public static CNNPrediction Prediction(string model, string symbol, long asOfMs, params TimeframePivotPrediction[] heads) =>
        new(model, "v1", symbol, asOfMs - 60_000, asOfMs, heads, [], "CPU", 250);
}
