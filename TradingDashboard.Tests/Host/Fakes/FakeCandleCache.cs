using System.Collections.Concurrent;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Host.Fakes;

/// <summary>An <see cref="ICandleCache"/> holding whatever bars a test puts in; records the limits asked for.</summary>
public sealed class FakeCandleCache : ICandleCache
{
    private readonly ConcurrentDictionary<(string Symbol, Timeframe Timeframe), IReadOnlyList<OHLCVBar>> _bars = new();
    private readonly ConcurrentQueue<int> _requestedLimits = new();

    public IReadOnlyCollection<int> RequestedLimits => _requestedLimits.ToArray();

    /// <summary>Replaces the bars of one series (oldest first, as the cache keeps them).</summary>
    public void Set(string symbol, Timeframe timeframe, IReadOnlyList<OHLCVBar> bars) => _bars[(symbol, timeframe)] = bars;

    public IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit)
    {
        _requestedLimits.Enqueue(limit);
        return _bars.TryGetValue((symbol, timeframe), out var bars) ? bars.TakeLast(limit).ToList() : [];
    }

    public IDisposable Subscribe(Action<OHLCVBar> handler) => new NoSubscription();

    private sealed class NoSubscription : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
