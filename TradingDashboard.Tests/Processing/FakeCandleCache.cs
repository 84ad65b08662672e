using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Processing;

/// <summary>An in-memory candle cache: preloaded history plus a Publish that calls the subscribers.</summary>
internal sealed class FakeCandleCache : ICandleCache
{
    private readonly Lock _gate = new();
    private readonly List<OHLCVBar> _history = [];
    private readonly List<Action<OHLCVBar>> _handlers = [];

    public void Preload(IEnumerable<OHLCVBar> bars)
    {
        lock (_gate)
        {
            _history.AddRange(bars);
        }
    }

    public int Subscribers
    {
        get
        {
            lock (_gate)
            {
                return _handlers.Count;
            }
        }
    }

    public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit)
    {
        lock (_gate)
        {
            var bars = _history.Where(b => b.Symbol == symbol && b.Timeframe == timeframe).OrderBy(b => b.OpenTimeMs).ToList();
            return bars.Skip(Math.Max(0, bars.Count - limit)).ToList();
        }
    }

    public IDisposable Subscribe(Action<OHLCVBar> handler)
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

    public void Publish(OHLCVBar bar)
    {
        Action<OHLCVBar>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            handler(bar);
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
