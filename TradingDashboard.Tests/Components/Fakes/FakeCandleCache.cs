using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Components.Fakes;

/// <summary>Candles held per symbol and timeframe; <see cref="Publish"/> calls the subscribers like the real cache.</summary>
public sealed class FakeCandleCache : ICandleCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), List<OHLCVBar>> _bars = [];
    private readonly List<Action<OHLCVBar>> _subscribers = [];

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

    public void Seed(IEnumerable<OHLCVBar> bars)
    {
        lock (_gate)
        {
            foreach (var bar in bars)
            {
                var key = (bar.Symbol, bar.Timeframe);
                if (!_bars.TryGetValue(key, out var list))
                {
                    _bars[key] = list = [];
                }

                list.Add(bar);
            }
        }
    }

    public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit)
    {
        lock (_gate)
        {
            Reads.Add((symbol, timeframe, limit));
            if (!_bars.TryGetValue((symbol, timeframe), out var list))
            {
                return [];
            }

            return list.OrderBy(b => b.OpenTimeMs).Skip(Math.Max(0, list.Count - limit)).ToList();
        }
    }

    public IDisposable Subscribe(Action<OHLCVBar> handler)
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

    /// <summary>Delivers <paramref name="bar"/> to every subscriber (as the real cache would, from its own thread).</summary>
    public void Publish(OHLCVBar bar)
    {
        Action<OHLCVBar>[] subscribers;
        lock (_gate)
        {
            subscribers = [.. _subscribers];
        }

        foreach (var subscriber in subscribers)
        {
            subscriber(bar);
        }
    }
}

internal sealed class Unsubscriber(Action dispose) : IDisposable
{
    private Action? _dispose = dispose;

    public void Dispose() => Interlocked.Exchange(ref _dispose, null)?.Invoke();
}
