using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Storage;

/// <summary>One candle series: a symbol at one timeframe (any source).</summary>
public readonly record struct CandleSeriesKey(string Symbol, Timeframe Timeframe);

/// <summary>
/// Persistent closed candles, one row per (source, symbol, timeframe, open time). Writes are upserts, so writing the
/// same candle twice leaves one row holding the latest version.
/// </summary>
/// <remarks>
/// Reads without a source merge the sources: where two sources hold a candle with the same open time, the one written
/// last wins (the cache's rule too: a newer version replaces an older one). Every result is ordered oldest first.
/// </remarks>
public interface ICandleStore
{
    /// <summary>
    /// Upserts the closed candles of <paramref name="bars"/> in one transaction and returns how many were written.
    /// Forming candles (IsClosed false) are skipped: only final candles are stored.
    /// </summary>
    Task<int> UpsertAsync(IReadOnlyCollection<OHLCVBar> bars, CancellationToken cancellationToken = default);

    /// <summary>The latest <paramref name="limit"/> closed candles of the series, oldest first, sources merged.</summary>
    Task<IReadOnlyList<OHLCVBar>> GetLatestAsync(string symbol, Timeframe timeframe, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Closed candles with open time in [<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first: sources merged,
    /// or only <paramref name="source"/>'s rows when it is given.
    /// </summary>
    Task<IReadOnlyList<OHLCVBar>> GetRangeAsync(string symbol, Timeframe timeframe, long fromMs, long toMs, string? source = null, CancellationToken cancellationToken = default);

    /// <summary>Open time of the newest stored candle of the series (any source), or null when there is none.</summary>
    Task<long?> GetLatestOpenTimeAsync(string symbol, Timeframe timeframe, CancellationToken cancellationToken = default);

    /// <summary>Open time of the newest stored candle of every series in the store.</summary>
    Task<IReadOnlyDictionary<CandleSeriesKey, long>> GetLatestOpenTimesAsync(CancellationToken cancellationToken = default);

    /// <summary>Number of stored rows of the series (all sources, or one).</summary>
    Task<long> CountAsync(string symbol, Timeframe timeframe, string? source = null, CancellationToken cancellationToken = default);
}
