using Microsoft.Extensions.Logging;

namespace TradingDashboard.Core.Alerts;

/// <summary>In-memory ring of the latest alerts; every alert is also logged.</summary>
public sealed class AlertService(TimeProvider timeProvider, ILogger<AlertService> logger) : IAlertService
{
    private const int Capacity = 500;
    private readonly Lock _gate = new();
    private readonly LinkedList<Alert> _alerts = new();
    private readonly List<Action<Alert>> _subscribers = [];
    private long _nextId;

    public Alert Raise(AlertSeverity severity, string category, string message)
    {
        Alert alert;
        Action<Alert>[] subscribers;
        lock (_gate)
        {
            alert = new Alert(++_nextId, timeProvider.GetUtcNow(), severity, category, message);
            _alerts.AddFirst(alert);
            if (_alerts.Count > Capacity)
            {
                _alerts.RemoveLast();
            }

            subscribers = [.. _subscribers];
        }

        var level = severity switch
        {
            AlertSeverity.Error => LogLevel.Error,
            AlertSeverity.Warning => LogLevel.Warning,
            _ => LogLevel.Information,
        };
#pragma warning disable CA1848, CA2254 // The level varies by severity; the template is constant.
        logger.Log(level, "Alert {Category}: {Message}", category, message);
#pragma warning restore CA1848, CA2254

        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(alert);
            }
#pragma warning disable CA1031 // One faulty subscriber must not stop the others from hearing about the alert.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogWarning(ex, "Alert subscriber failed");
            }
        }

        return alert;
    }

    public IReadOnlyList<Alert> Recent(int limit = 100)
    {
        lock (_gate)
        {
            return _alerts.Take(Math.Max(0, limit)).ToList();
        }
    }

    public IDisposable Subscribe(Action<Alert> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _subscribers.Add(handler);
        }

        return new Unsubscriber(this, handler);
    }

    private sealed class Unsubscriber(AlertService owner, Action<Alert> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscribers.Remove(handler);
            }
        }
    }
}
