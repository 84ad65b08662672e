using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Components.Fakes;

public sealed class FakeMarketDataStatusProvider : IMarketDataStatusProvider
{
    private readonly Lock _gate = new();
    private readonly List<Action<MarketDataStatus>> _subscribers = [];

    public MarketDataStatus Current { get; private set; } = new(null, [], [], null);

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

    public IDisposable Subscribe(Action<MarketDataStatus> handler)
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

    /// <summary>Sets the current status without notifying (the state before a page opens).</summary>
    public void Set(MarketDataStatus status) => Current = status;

    public void Publish(MarketDataStatus status)
    {
        Action<MarketDataStatus>[] subscribers;
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
