using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Pages a venue's kline endpoint over [from, to] (open times, inclusive): requests from a cursor with the venue's page
/// limit, advances the cursor past the last open time received, and keeps closed candles only, oldest first, each once.
/// </summary>
public static class KlineHistoryPager
{
    /// <summary>Fetches one page: klines with open time at or after startMs and at or before endMs, oldest first, at most limit.</summary>
    public delegate Task<IReadOnlyList<OHLCVBar>> PageFetcher(long startMs, long endMs, int limit, CancellationToken cancellationToken);

    /// <param name="nowMs">Current time: a candle with open + interval after it is still forming and is dropped.</param>
    public static async Task<IReadOnlyList<OHLCVBar>> FetchClosedAsync(
        PageFetcher fetchPage,
        Timeframe timeframe,
        long fromMs,
        long toMs,
        int pageLimit,
        long nowMs,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetchPage);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageLimit, 1);
        var result = new List<OHLCVBar>();
        if (toMs < fromMs)
        {
            return result;
        }

        var duration = timeframe.DurationMs();
        // No candle that closes after now can be returned; stop paging there.
        var lastClosedOpen = timeframe.BucketStart(nowMs) - duration;
        var end = Math.Min(toMs, lastClosedOpen);
        var cursor = fromMs;
        var maxPages = ((end - fromMs) / duration / pageLimit) + 3;
        for (var page = 0; page < maxPages && cursor <= end; page++)
        {
            var rows = await fetchPage(cursor, end, pageLimit, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                break;
            }

            var last = cursor - 1;
            foreach (var bar in rows)
            {
                if (bar.OpenTimeMs < cursor || bar.OpenTimeMs > end || bar.OpenTimeMs + duration > nowMs)
                {
                    continue;
                }

                if (result.Count > 0 && bar.OpenTimeMs <= result[^1].OpenTimeMs)
                {
                    continue;
                }

                result.Add(bar);
                last = bar.OpenTimeMs;
            }

            var newestOpen = rows[^1].OpenTimeMs;
            if (newestOpen < cursor)
            {
                break;
            }

            cursor = Math.Max(last, newestOpen) + duration;
        }

        return result;
    }
}
