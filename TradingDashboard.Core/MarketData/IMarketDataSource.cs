using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// A venue or replay feed. Implementations validate every message at the boundary (rejecting and counting bad
/// input through <see cref="MarketDataMetrics"/>), stamp exchange and receive times, and push what is valid to the sink.
/// </summary>
public interface IMarketDataSource
{
    /// <summary>Source name as used in settings: Binance, Mexc or Replay.</summary>
    string Name { get; }

    /// <summary>What the live stream carries; decides whether candles are built from trades or taken from klines.</summary>
    MarketDataCapabilities Capabilities { get; }

    /// <summary>
    /// Streams live (or replayed) data into <paramref name="sink"/> until cancelled. Returns normally only when the
    /// source has nothing more to send (end of a replay); throws when the connection fails for good so the caller can
    /// fall back. Transient reconnects are handled inside and reported through <see cref="IMarketDataSink.OnConnectionChangedAsync"/>.
    /// </summary>
    Task StreamAsync(MarketDataSubscription subscription, IMarketDataSink sink, CancellationToken cancellationToken);

    /// <summary>
    /// Closed candles with open time in [<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first, for backfill and gap
    /// filling. Returns an empty list for a timeframe the source cannot serve.
    /// </summary>
    Task<IReadOnlyList<OHLCVBar>> GetHistoricalBarsAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, CancellationToken cancellationToken);

    /// <summary>
    /// The source's own market time in Unix ms, for a source whose data does not run on the wall clock (a replay of
    /// old files): while it streams, the time of the last event it sent; before, the instant just before the first
    /// event it will send for <paramref name="subscription"/>. Gap and backfill windows are counted back from it.
    /// Null (the default) for live sources, whose market time is the injected <see cref="TimeProvider"/>'s.
    /// </summary>
    long? GetMarketTimeMs(MarketDataSubscription subscription) => null;
}

/// <summary>What a source streams.</summary>
/// <param name="StreamsTrades">True when the live stream carries individual trades (candles are then built locally).</param>
/// <param name="StreamedKlineTimeframes">Timeframes whose klines the live stream carries.</param>
/// <param name="HistoricalTimeframes">Timeframes the history endpoint can serve.</param>
/// <param name="Polling">True when "live" data is polled over REST rather than pushed.</param>
public sealed record MarketDataCapabilities(
    bool StreamsTrades,
    IReadOnlyList<Timeframe> StreamedKlineTimeframes,
    IReadOnlyList<Timeframe> HistoricalTimeframes,
    bool Polling = false);

/// <summary>What to stream: symbols and the timeframes wanted.</summary>
public sealed record MarketDataSubscription(IReadOnlyList<string> Symbols, IReadOnlyList<Timeframe> Timeframes);

/// <summary>Receives validated market data from a source. Implemented by the data provider.</summary>
public interface IMarketDataSink
{
    ValueTask OnTradeAsync(MarketTick tick, CancellationToken cancellationToken);

    /// <summary>A kline from the venue, forming or closed.</summary>
    ValueTask OnKlineAsync(OHLCVBar bar, CancellationToken cancellationToken);

    /// <summary>The source's connection went up or down (reason for the change in <paramref name="detail"/>).</summary>
    ValueTask OnConnectionChangedAsync(string source, bool connected, string detail, CancellationToken cancellationToken);
}
