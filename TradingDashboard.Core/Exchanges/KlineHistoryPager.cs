using TradingDashboard.Core.Domain;

namespace TradingDashboard.Core.Exchanges;

/// <summary>
/// Pages a venue's kline endpoint over [from, to] (open times, inclusive): requests from a cursor with the venue's page
/// limit, advances the cursor past the last open time received, and keeps closed candles only, oldest first, each once.
/// </summary>
public static class KlineHistoryPager
{
    /// <summary>Fetches one page: klines with open time at or after startMs and at or before endMs, oldest first, at most limit.</summary>
    public delegate Task<KlinePage> PageFetcher(long startMs, long endMs, int limit, CancellationToken cancellationToken);

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
        for (var pageNumber = 0; pageNumber < maxPages && cursor <= end; pageNumber++)
        {
            var page = await fetchPage(cursor, end, pageLimit, cancellationToken).ConfigureAwait(false);
            if (page.RowCount == 0)
            {
                break;
            }

            foreach (var bar in page.Bars)
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
            }

            // Continue after the newest row the venue sent, valid or not, so a rejected last row is not asked for again.
            if (page.LastRowOpenTimeMs < cursor)
            {
                break;
            }

            cursor = page.LastRowOpenTimeMs + duration;
        }

        return result;
    }
}
