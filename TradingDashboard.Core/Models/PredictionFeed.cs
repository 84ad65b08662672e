using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TradingDashboard.Core.Models;

/// <summary>
/// The predictions of the inference stage (see <see cref="IPredictionFeed"/>): the newest per model, a ring of recent
/// ones, and subscribers called on the publishing thread (quick handlers only; a throwing one is logged and skipped).
/// </summary>
public sealed partial class PredictionFeed(IOptions<ModelsOptions> options, ILogger<PredictionFeed> logger) : IPredictionFeed
{
    private readonly Lock _gate = new();
    private readonly int _capacity = options.Value.RecentPredictions;
    private readonly Queue<CNNPrediction> _recent = new();
    private readonly Dictionary<string, CNNPrediction> _latest = new(StringComparer.Ordinal);
    private volatile Action<CNNPrediction>[] _handlers = [];

    /// <summary>Predictions published since start.</summary>
    public long Published { get; private set; }

    public IReadOnlyList<CNNPrediction> Latest
    {
        get
        {
            lock (_gate)
            {
                return _latest.Values.OrderBy(p => p.ModelName, StringComparer.Ordinal).ToList();
            }
        }
    }

    public IReadOnlyList<CNNPrediction> Recent(int limit = 200)
    {
        lock (_gate)
        {
            return _recent.Skip(Math.Max(0, _recent.Count - Math.Max(0, limit))).ToList();
        }
    }

    public void Publish(CNNPrediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        lock (_gate)
        {
            _latest[prediction.ModelName] = prediction;
            _recent.Enqueue(prediction);
            while (_recent.Count > _capacity)
            {
                _recent.Dequeue();
            }

            Published++;
        }

        foreach (var handler in _handlers)
        {
            try
            {
                handler(prediction);
            }
#pragma warning disable CA1031 // One faulty subscriber (a closed circuit) must not stop the others or the stage.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogHandlerFailed(logger, ex, prediction.ModelName);
            }
        }
    }

    public IDisposable Subscribe(Action<CNNPrediction> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return new Unsubscriber(this, handler);
    }

    [LoggerMessage(EventId = 6301, Level = LogLevel.Warning, Message = "A prediction subscriber failed on a prediction of {Model}")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception, string model);

    private sealed class Unsubscriber(PredictionFeed owner, Action<CNNPrediction> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._handlers = owner._handlers.Where(h => h != handler).ToArray();
            }
        }
    }
}
