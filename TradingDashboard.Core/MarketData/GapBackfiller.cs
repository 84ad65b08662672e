using Microsoft.Extensions.Logging;
using TradingDashboard.Core.Domain;
using TradingDashboard.Core.Storage;

namespace TradingDashboard.Core.MarketData;

/// <summary>
/// Fills the gap between the newest known closed candle and now over a source's history endpoint, for every symbol
/// and timeframe. Fetched candles go into the cache and, through <see cref="CandleStoreQueue"/>, into the store as
/// upserts: the same FIFO as live candles, so a re-fetched candle always lands after (and replaces) an earlier
/// version of itself, and nothing is duplicated.
/// </summary>
/// <remarks>
/// Per series the window is [newest known + interval, last closed period]; "newest known" is the later of the store's
/// and the cache's newest closed candle (the queue may not be drained yet). The window never reaches back further than
/// <c>BackfillCandles</c> candles, except that it always covers the current period of the next larger timeframe (so
/// that candle can be rebuilt from closed history); an older part of a longer outage stays a gap and is logged.
/// With <c>refetchFromMs</c> set, the candle containing that instant and everything after it is fetched again (the
/// candles that were forming when a connection dropped may be incomplete).
/// </remarks>
public sealed class GapBackfiller(
    IReadOnlyList<string> symbols,
    IReadOnlyList<Timeframe> timeframes,
    int backfillCandles,
    ICandleStore store,
    CandleCache cache,
    CandleStoreQueue queue,
    MarketDataStatusProvider status,
    TimeProvider timeProvider,
    ILogger logger)
{
    private readonly Timeframe[] _timeframes = [.. timeframes.Distinct().Order()];

    /// <summary>
    /// Backfills every series that <paramref name="source"/> can serve up to now (the source's market time for a
    /// replay, else the clock's); returns the number of candles fetched.
    /// </summary>
    public Task<int> BackfillAsync(IMarketDataSource source, long? refetchFromMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var subscription = new MarketDataSubscription(symbols, timeframes);
        var nowMs = source.GetMarketTimeMs(subscription) ?? timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        return BackfillAsync(source, refetchFromMs, nowMs, cancellationToken);
    }

    /// <summary>
    /// Backfills every series that <paramref name="source"/> can serve, with windows counted back from market time
    /// <paramref name="nowMs"/> (Unix ms); returns the number of candles fetched.
    /// </summary>
    public async Task<int> BackfillAsync(IMarketDataSource source, long? refetchFromMs, long nowMs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        var served = source.Capabilities.HistoricalTimeframes;
        var total = 0;
        foreach (var symbol in symbols)
        {
            for (var i = 0; i < _timeframes.Length; i++)
            {
                var timeframe = _timeframes[i];
                if (!served.Contains(timeframe))
                {
                    continue;
                }

                var larger = i + 1 < _timeframes.Length ? _timeframes[i + 1] : (Timeframe?)null;
                total += await BackfillSeriesAsync(source, symbol, timeframe, larger, nowMs, refetchFromMs, cancellationToken);
            }
        }

        return total;
    }

    private async Task<int> BackfillSeriesAsync(IMarketDataSource source, string symbol, Timeframe timeframe, Timeframe? larger, long nowMs, long? refetchFromMs, CancellationToken cancellationToken)
    {
        var duration = timeframe.DurationMs();
        var currentOpen = timeframe.BucketStart(nowMs);
        var lastClosedOpen = currentOpen - duration;
        var windowStart = currentOpen - ((long)backfillCandles * duration);
        if (larger is { } next)
        {
            windowStart = Math.Min(windowStart, next.BucketStart(nowMs));
        }

        var stored = await store.GetLatestOpenTimeAsync(symbol, timeframe, cancellationToken);
        var cached = cache.LatestClosed(symbol, timeframe)?.OpenTimeMs;
        long? known = stored is null ? cached : cached is null ? stored : Math.Max(stored.Value, cached.Value);
        var from = known is { } k ? Math.Max(k + duration, windowStart) : windowStart;
        if (known is { } kk && kk + duration < windowStart)
        {
            logger.LogWarning(
                "Gap in {Symbol} {Timeframe} from {GapStart} to {WindowStart} is older than the backfill window ({Candles} candles) and stays unfilled",
                symbol, timeframe.ToCode(), DateTimeOffset.FromUnixTimeMilliseconds(kk + duration), DateTimeOffset.FromUnixTimeMilliseconds(windowStart), backfillCandles);
        }

        if (refetchFromMs is { } refetch)
        {
            from = Math.Min(from, Math.Max(timeframe.BucketStart(refetch), windowStart));
        }

        if (from > lastClosedOpen)
        {
            return 0;
        }

        IReadOnlyList<OHLCVBar> fetched;
        try
        {
            fetched = await source.GetHistoricalBarsAsync(symbol, timeframe, from, lastClosedOpen, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Backfill of {Symbol} {Timeframe} from {Source} failed", symbol, timeframe.ToCode(), source.Name);
            return 0;
        }

        var accepted = fetched
            .Where(b => b.IsClosed && b.Symbol == symbol && b.Timeframe == timeframe && b.OpenTimeMs >= from && b.OpenTimeMs <= lastClosedOpen && b.OpenTimeMs % duration == 0)
            .GroupBy(b => b.OpenTimeMs)
            .Select(g => g.Last())
            .OrderBy(b => b.OpenTimeMs)
            .Select(b => string.IsNullOrEmpty(b.Source) ? b with { Source = source.Name } : b)
            .ToList();
        if (accepted.Count < fetched.Count)
        {
            logger.LogWarning("Backfill of {Symbol} {Timeframe} from {Source}: {Dropped} of {Count} candles were outside the request or malformed and were dropped",
                symbol, timeframe.ToCode(), source.Name, fetched.Count - accepted.Count, fetched.Count);
        }

        foreach (var bar in accepted)
        {
            cache.Update(bar);
            status.RecordClosedCandle(bar);
            await queue.WriteAsync(bar, cancellationToken);
        }

        logger.LogInformation("Backfilled {Count} {Timeframe} candles of {Symbol} from {Source} ({From} to {To})",
            accepted.Count, timeframe.ToCode(), symbol, source.Name, DateTimeOffset.FromUnixTimeMilliseconds(from), DateTimeOffset.FromUnixTimeMilliseconds(lastClosedOpen));
        return accepted.Count;
    }
}
