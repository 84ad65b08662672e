using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// In-memory candles per symbol and timeframe (closed candles plus the forming one), warmed from the store at start.
/// Readers get immutable lists; subscribers hear about every forming update and every close.
/// </summary>
public interface ICandleCache
{
    /// <summary>The latest <paramref name="limit"/> candles, oldest first; the last one may be forming (IsClosed false).</summary>
    IReadOnlyList<OHLCVBar> GetBars(string symbol, Timeframe timeframe, int limit);

    /// <summary>Calls <paramref name="handler"/> for each candle update (forming or closed) until disposed. Handlers must be quick.</summary>
    IDisposable Subscribe(Action<OHLCVBar> handler);
}

public enum SourceConnectionState
{
    /// <summary>Not in use (lower in the fallback order, or the feed is stopped).</summary>
    Idle,
    Connecting,
    Connected,

    /// <summary>Was connected; lost or silent.</summary>
    Disconnected,

    /// <summary>Failed and waiting to be probed again.</summary>
    Failed,

    /// <summary>
    /// Finished: the source sent all it had (a replay reached the end of its files). Not an outage: nothing is
    /// fallen back to or probed because of it.
    /// </summary>
    Ended,
}

/// <summary>State of one market data source.</summary>
public sealed record SourceStatus(
    string Name,
    SourceConnectionState State,
    string? Detail,
    DateTimeOffset? LastMessageAt,
    bool Polling);

/// <summary>What the overview tile of one symbol shows.</summary>
public sealed record SymbolSummary(
    string Symbol,
    double? LastPrice,
    double? Change24h,
    string? ActiveSource,
    SourceConnectionState State,
    DateTimeOffset? LastUpdateAt);

/// <summary>Snapshot of the market data side: the active source of the fallback chain, each source, each symbol.</summary>
public sealed record MarketDataStatus(
    string? ActiveSource,
    IReadOnlyList<SourceStatus> Sources,
    IReadOnlyList<SymbolSummary> Symbols,
    DateTimeOffset? LastCandleAt);

/// <summary>Latest market data status, for the overview, /health and /metrics.</summary>
public interface IMarketDataStatusProvider
{
    MarketDataStatus Current { get; }

    IDisposable Subscribe(Action<MarketDataStatus> handler);
}
