using TradingDashboard.Core.MarketData;

namespace TradingDashboard.Tests.Host.Fakes;

/// <summary>An <see cref="IMarketDataStatusProvider"/> whose status a test sets.</summary>
public sealed class FakeMarketDataStatusProvider : IMarketDataStatusProvider
{
    public MarketDataStatus Current { get; set; } = Disconnected();

    public IDisposable Subscribe(Action<MarketDataStatus> handler) => new NoSubscription();

    /// <summary>Binance active and connected, Mexc idle.</summary>
    public static MarketDataStatus Connected() => new(
        "Binance",
        [new SourceStatus("Binance", SourceConnectionState.Connected, null, null, false), new SourceStatus("Mexc", SourceConnectionState.Idle, null, null, false)],
        [],
        null);

    /// <summary>Binance active but disconnected, Mexc failed: nothing connected.</summary>
    public static MarketDataStatus Disconnected() => new(
        "Binance",
        [new SourceStatus("Binance", SourceConnectionState.Disconnected, "lost", null, false), new SourceStatus("Mexc", SourceConnectionState.Failed, "probe failed", null, false)],
        [],
        null);

    private sealed class NoSubscription : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
